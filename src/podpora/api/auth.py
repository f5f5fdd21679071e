"""Who is calling: a personal API token (``Authorization: Bearer pdp_…``) or
the web UI's own session (with its CSRF token on writes); then a rate limit
per token or per signed-in person."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import Throttled
from ninja.security import APIKeyCookie, HttpBearer

from podpora.accounts.models import User
from podpora.api import services
from podpora.api.errors import ApiError
from podpora.core import ratelimit

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def throttle(key: str) -> None:
    """A one-minute window per caller, counted by the one rate limiter."""
    attempts = settings.PODPORA_API_RATE_LIMIT
    if attempts <= 0:
        return
    wait = ratelimit.take(ratelimit.Limit("api", attempts, 60), key)
    if wait:
        raise Throttled(wait=wait)


def _speak_as(request: HttpRequest, user: User) -> None:
    """Messages (errors included) in the token owner's language, as the UI
    shows them; without one, the request's Accept-Language stands."""
    if user.language and user.language in dict(settings.LANGUAGES):
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = services.authenticate(token.strip())
        if api_token is None:
            return None
        _speak_as(request, api_token.user)
        if request.method not in SAFE_METHODS and not api_token.can_write:
            raise ApiError(403, "read_only_token", _("This API token may only read."))
        throttle(f"token:{api_token.pk}")
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The signed-in person's session; ninja checks the CSRF token first."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        throttle(f"user:{user.pk}")
        return user  # type: ignore[return-value]


class AnonymousReader:
    """Lets a caller without credentials through to what a signed-out visitor
    may read anyway (the public knowledge base), limited per address. A
    request that sends an ``Authorization`` header is never anonymous: a
    wrong or revoked token stays a 401 instead of quietly seeing less."""

    def __call__(self, request: HttpRequest) -> AnonymousUser | None:
        if "Authorization" in request.headers:
            return None
        throttle(f"anonymous:{ratelimit.client_ip(request)}")
        return AnonymousUser()


# Endpoints that visitors may call: a token or session first, else anonymous.
PUBLIC_READ_AUTH = [TokenAuth(), SessionAuth(), AnonymousReader()]
# How the schema says so: ninja lists the token and the session, and this
# adds "or nothing".
PUBLIC_READ_SECURITY: dict[str, Any] = {"security": [{}]}


def caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]
