"""When the database cannot be reached, answer 503 and lose nothing typed.

A refused or dropped connection (or SQLite still locked after its timeout) is
not a bug of the page: the person is told to try again in a moment, with
``Retry-After``; a page keeps the text fields of a posted form in read-only
boxes to copy, the API answers its JSON error. Nothing here touches the
database: no user, no session, no context processors.
"""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

RETRY_AFTER = 30
UNAVAILABLE_MESSAGE = _(
    "The database cannot be reached right now. Please try again in a moment."
)
# SQLite reports a missing table or a bad query as an OperationalError too;
# only these mean "not reachable right now".
_SQLITE_UNAVAILABLE = ("locked", "unable to open", "disk i/o", "readonly database")
# Posted fields never shown back: secrets and the CSRF token.
_SECRET_WORDS = ("password", "csrf", "token", "secret")


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    module = type(exc.__cause__).__module__ if exc.__cause__ else ""
    if module.startswith("sqlite3"):
        return any(word in str(exc).lower() for word in _SQLITE_UNAVAILABLE)
    return True


def unavailable_json() -> JsonResponse:
    response = JsonResponse(
        {"code": "unavailable", "message": str(UNAVAILABLE_MESSAGE)}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _typed_fields(request: HttpRequest) -> list[tuple[str, str]]:
    if request.method != "POST":
        return []
    try:
        posted = request.POST
    except Exception:  # an unreadable body (too big, broken) has nothing to show
        return []
    return [
        (name, value)
        for name, values in posted.lists()
        if not any(word in name.lower() for word in _SECRET_WORDS)
        for value in values
        if value.strip()
    ]


def unavailable_page(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: no context processors, so no queries.
    html = loader.get_template("503.html").render(
        {"fields": _typed_fields(request), "retry_after": RETRY_AFTER}
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    logger.warning(
        "Database unavailable: %s %s answered 503",
        request.method,
        request.path,
        exc_info=exc,
    )
    # LocaleMiddleware may not have run yet (the session lookup before it is
    # often the first query); the cookie and Accept-Language still decide.
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if request.path.startswith("/api/"):
            response: HttpResponse = unavailable_json()
        else:
            response = unavailable_page(request)
    response["Content-Language"] = language
    return response


class DatabaseUnavailableMiddleware:
    """Sits right after SessionMiddleware: it loads the session itself (the
    first query of most requests, made by the middleware that follows) so a
    failure there is answered here, and a view's failure in
    ``process_exception``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None:
            try:
                session.get("_")
            except (OperationalError, InterfaceError) as exc:
                if not is_unavailable(exc):
                    raise
                return unavailable(request, exc)
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exc: Exception
    ) -> HttpResponse | None:
        if is_unavailable(exc):
            return unavailable(request, exc)
        return None
