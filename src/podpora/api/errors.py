"""One shape for every error: ``{"code": "...", "message": "..."}``.

Codes are stable (clients branch on them); messages are for people and may
be translated. Bad input of any kind ends in a 4xx, never a 500.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
)
from django.db import DatabaseError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from podpora.accounts.errors import AccountError
from podpora.core.middleware import RETRY_AFTER, UNAVAILABLE_MESSAGE, is_unavailable
from podpora.kb.errors import KbError
from podpora.tickets.errors import TicketError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict[str, Any]] | None = None


class ApiError(HttpError):
    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.headers = headers or {}


def outside_operations(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Wraps one of ninja's URL views: a method the path does not have is
    answered before any operation runs, as a bare HTML 405; this answers it
    in the error shape, keeping ``Allow``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            answer = JsonResponse(
                {
                    "code": "method_not_allowed",
                    "message": _("This method is not allowed here."),
                },
                status=405,
            )
            answer["Allow"] = response["Allow"]
            return answer
        return response

    return wrapped


def unknown_endpoint(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


# TicketError codes → HTTP status; anything not listed is a 400.
_TICKET_STATUS = {
    "conflict": 409,
    "invalid_transition": 409,
    "not_allowed": 403,
    "storage_full": 507,  # the disk is full: nothing was stored, try again later
}

# KbError codes → HTTP status; anything not listed is a 400.
_KB_STATUS = {
    "not_allowed": 403,
    "not_found": 404,
    "conflict": 412,
    "rate_limited": 429,
}

# AccountError codes → HTTP status; anything not listed is a 400.
_ACCOUNT_STATUS = {"not_allowed": 403, "conflict": 409}

# Every operation documents these, so clients (and schema checkers) know the
# error shape of each status.
ERROR_RESPONSES: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    412: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}


def _respond(
    api: "NinjaAPI",
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _plain_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # pydantic's context may hold exception objects that JSON cannot carry.
    return [
        {
            "loc": [str(part) for part in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def install(api: "NinjaAPI") -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _respond(
            api, request, exc.status_code, exc.code, exc.message, headers=exc.headers
        )

    @api.exception_handler(TicketError)
    def _ticket_error(request: HttpRequest, exc: TicketError) -> HttpResponse:
        return _respond(
            api, request, _TICKET_STATUS.get(exc.code, 400), exc.code, exc.message
        )

    @api.exception_handler(KbError)
    def _kb_error(request: HttpRequest, exc: KbError) -> HttpResponse:
        status = _KB_STATUS.get(exc.code, 400)
        # A stale If-Match on an article reads like one on a ticket.
        code = "precondition_failed" if status == 412 else exc.code
        return _respond(api, request, status, code, exc.message)

    @api.exception_handler(AccountError)
    def _account_error(request: HttpRequest, exc: AccountError) -> HttpResponse:
        status = _ACCOUNT_STATUS.get(exc.code, 400)
        return _respond(api, request, status, exc.code, str(exc))

    @api.exception_handler(ValidationError)
    def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return _respond(
            api,
            request,
            422,
            "validation_error",
            _("The request is not valid."),
            errors=_plain_errors(exc.errors),
        )

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return _respond(
            api,
            request,
            429,
            "rate_limited",
            _("Too many requests."),
            headers={"Retry-After": str(int(exc.wait or 1))},
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(
        request: HttpRequest, exc: AuthenticationError
    ) -> HttpResponse:
        return _respond(
            api, request, 401, "unauthorized", _("Sign in or send an API token.")
        )

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: "bad_request",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }.get(exc.status_code, "error")
        if "CSRF" in exc.message:
            code = "csrf_failed"
        return _respond(api, request, exc.status_code, code, exc.message)

    def _missing(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _respond(api, request, 404, "not_found", _("Not found."))

    api.add_exception_handler(Http404, _missing)  # type: ignore[arg-type]
    api.add_exception_handler(ObjectDoesNotExist, _missing)  # type: ignore[arg-type]

    @api.exception_handler(MultiPartParserError)
    def _bad_upload(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _respond(
            api, request, 400, "bad_request", _("The upload could not be read.")
        )

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _respond(api, request, 413, "too_large", _("The request is too large."))

    @api.exception_handler(BadRequest)
    def _bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _respond(
            api, request, 400, "bad_request", _("The request is not valid.")
        )

    @api.exception_handler(DatabaseError)
    def _database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        # Unreachable or locked: try again later. Anything else is a bug.
        if not is_unavailable(exc):
            raise exc
        logger.warning("Database unavailable: API answered 503", exc_info=exc)
        return _respond(
            api,
            request,
            503,
            "unavailable",
            str(UNAVAILABLE_MESSAGE),
            headers={"Retry-After": str(RETRY_AFTER)},
        )

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _respond(
            api, request, 403, "forbidden", _("You are not allowed to do that.")
        )
