"""What the people, organisation and team routers share."""

from typing import Annotated

from django.http import HttpResponse
from ninja import Path, Schema
from pydantic import Field

from podpora.api.pagination import DEFAULT_LIMIT

PathId = Annotated[int, Path(ge=1, le=2**62)]
BY_ID = {"id": "pk", "-id": "-pk"}
Name = Annotated[str, Field(min_length=1, max_length=200)]


class ListQuery(Schema):
    sort: str = Field("id", description="id or -id")
    cursor: Annotated[str, Field(max_length=512)] | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=100)


def deactivated() -> HttpResponse:
    """``DELETE`` deactivates: history (tickets, events) keeps its people."""
    return HttpResponse(status=204)
