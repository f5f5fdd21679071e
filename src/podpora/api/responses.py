"""Answering with an already-validated schema.

Endpoints that serve customers and agents pick the output schema per caller
and answer through here, so ninja never re-chooses between the two (a union
would happily fit an agent's fields onto a customer's answer).
"""

from collections.abc import Iterable

from django.http import HttpRequest, JsonResponse
from ninja import Schema


def respond(
    data: Schema, *, status: int = 200, etag: str | None = None
) -> JsonResponse:
    response = JsonResponse(data.model_dump(mode="json"), status=status)
    if etag:
        response["ETag"] = etag
    return response


def respond_page(items: Iterable[Schema], next_cursor: str | None) -> JsonResponse:
    return JsonResponse(
        {
            "items": [item.model_dump(mode="json") for item in items],
            "next_cursor": next_cursor,
        }
    )


def if_match(request: HttpRequest) -> set[str] | None:
    """The entity tags of the request's ``If-Match`` (quotes and ``W/``
    dropped), or ``None`` when it has none or ``*``: then nothing is checked."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
