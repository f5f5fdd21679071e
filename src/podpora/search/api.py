"""``GET /api/v1/search``: the search page's engine over the API."""

from typing import Annotated

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema
from pydantic import Field

from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES
from podpora.api.filter_query import FilterQuery
from podpora.api.schemas import (
    Text,
    TicketAgentOut,
    TicketCustomerOut,
    ticket_out,
)
from podpora.search.services import search

router = Router(tags=["search"])


class SearchQuery(FilterQuery):
    """The words to find (``q``) and the filters of every ticket list."""

    q: Annotated[Text, Field(min_length=1, max_length=200)]  # type: ignore[assignment]
    page: int = Field(1, ge=1, le=1000)


class SearchHitOut(Schema):
    ticket: TicketAgentOut | TicketCustomerOut
    title_html: str
    snippet_html: str


class SearchOut(Schema):
    items: list[SearchHitOut]
    page: int
    has_more: bool
    fuzzy: bool
    index_incomplete: bool = Field(
        description="Some tickets are not indexed yet (the index is being"
        " rebuilt): only numbers and e-mail addresses are sure to be found."
    )


@router.get(
    "/search", response={200: SearchOut, **ERROR_RESPONSES}, summary="Search tickets"
)
def search_tickets(request: HttpRequest, query: Query[SearchQuery]) -> JsonResponse:
    """Every word must match (accents and word endings do not matter);
    subject and number hits first, then newest first. `title_html` and
    `snippet_html` are escaped HTML with matches in `<mark>`."""
    user = caller(request)
    results = search(
        user,
        query.q,
        page=query.page,
        # ``q`` is what to search for here, not words in the subject.
        filters=query.filters(leave_out=("q",)),
    )
    return JsonResponse(
        {
            "items": [
                {
                    "ticket": ticket_out(hit.ticket, user).model_dump(mode="json"),
                    "title_html": str(hit.title_html),
                    "snippet_html": str(hit.snippet_html),
                }
                for hit in results.hits
            ],
            "page": results.page,
            "has_more": results.has_more,
            "fuzzy": results.fuzzy,
            "index_incomplete": results.index_incomplete,
        }
    )
