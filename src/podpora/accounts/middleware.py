"""Language and time zone follow the signed-in user's settings."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from podpora.accounts import two_factor

SESSION_LANGUAGE_KEY = "podpora_language"


class UserLanguageMiddleware:
    """Runs before LocaleMiddleware so that a user's chosen language wins over
    the browser's Accept-Language, which LocaleMiddleware falls back to.

    Authentication has not run yet here, so the chosen language is kept in the
    session at login and on a profile change (``remember_language``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get(SESSION_LANGUAGE_KEY)
        if language and language in dict(settings.LANGUAGES):
            # LocaleMiddleware reads the language cookie before Accept-Language.
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)


def remember_language(request: HttpRequest, language: str) -> None:
    if language:
        request.session[SESSION_LANGUAGE_KEY] = language
    else:
        request.session.pop(SESSION_LANGUAGE_KEY, None)


class UserTimezoneMiddleware:
    """Times are stored in UTC and shown in the viewer's time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tz_name = user.time_zone if user is not None and user.is_authenticated else None
        if isinstance(user, SimpleLazyObject):
            # Loaded by the line above: from here on the view and templates
            # read the user itself, not through the lazy wrapper's proxy (a
            # desk page reads it a few hundred times).
            request.user = user._wrapped
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name or settings.TIME_ZONE))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TwoFactorRequiredMiddleware:
    """Keeps a session that signed in without a required second factor on
    the two-factor pages until one is set up (podpora.accounts.two_factor)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a browser with a session can carry the mark; reading the
        # session of anyone else would add "Vary: Cookie" to public pages.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.get(
            two_factor.SESSION_KEY
        ):
            user = request.user
            if not user.is_authenticated or two_factor.has_second_factor(user):
                request.session.pop(two_factor.SESSION_KEY, None)
            elif not self._allowed(request.path):
                messages.warning(
                    request,
                    _(
                        "Your role requires two-factor sign-in. Set up an "
                        "authenticator app or a security key to go on."
                    ),
                )
                return redirect("mfa_index")
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        allowed = (
            reverse("mfa_index"),
            reverse("account_reauthenticate"),
            reverse("accounts:logout"),
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL,
            "/favicon.ico",
        )
        return path.startswith(allowed)
