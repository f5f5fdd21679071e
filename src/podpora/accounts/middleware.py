"""Language and time zone follow the signed-in user's settings."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

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
