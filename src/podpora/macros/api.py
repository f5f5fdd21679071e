"""Macros in the API: the caller's macros, and applying one to a ticket.

Agents only; a customer (or a ticket or macro the agent may not use) gets the
same 404 as for anything that does not exist.
"""

from typing import Annotated

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema

from podpora.accounts.models import User
from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, ApiError, not_found
from podpora.api.pagination import PageQuery, paginate
from podpora.api.responses import if_match, respond, respond_page
from podpora.api.schemas import TicketAgentOut, ticket_out
from podpora.macros import selectors, services
from podpora.macros.models import Macro
from podpora.tickets.models import Ticket
from podpora.tickets.selectors import visible_to

router = Router(tags=["macros"])
PathId = Annotated[int, Path(ge=1, le=2**62)]


class MacroOut(Schema):
    id: int
    title: str
    shared: bool
    reply: str
    note: str
    status: str
    priority: int | None
    team: int | None
    tags: list[str]


class MacroPage(Schema):
    items: list[MacroOut]
    next_cursor: str | None


def _out(macro: Macro) -> MacroOut:
    return MacroOut(
        id=macro.pk,
        title=macro.title,
        shared=macro.is_shared,
        reply=macro.reply,
        note=macro.note,
        status=macro.status,
        priority=macro.priority,
        team=macro.team_id,
        tags=list(macro.tags),
    )


def _agent(request: HttpRequest) -> User:
    user = caller(request)
    if not user.is_agent:
        raise not_found()
    return user


@router.get(
    "/macros",
    response={200: MacroPage, **ERROR_RESPONSES},
    summary="List the macros I may apply",
)
def list_macros(request: HttpRequest, query: Query[PageQuery]) -> JsonResponse:
    """Shared macros and the caller's own."""
    user = _agent(request)
    page = paginate(
        selectors.usable_by(user),
        sort="id",
        allowed={"id": "pk"},
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page((_out(m) for m in page.items), page.next_cursor)


@router.post(
    "/tickets/{number}/macros/{macro_id}",
    response={200: TicketAgentOut, **ERROR_RESPONSES},
    summary="Apply a macro to a ticket",
)
def apply_macro(request: HttpRequest, number: PathId, macro_id: PathId) -> JsonResponse:
    """Sends the macro's reply, adds its note and sets its fields, all or
    nothing. With `If-Match: "<version>"` nothing is applied (412) when the
    ticket changed since the caller read it."""
    user = _agent(request)
    ticket = visible_to(user).filter(number=number).first()
    macro = selectors.usable_by(user).filter(pk=macro_id).first()
    if ticket is None or macro is None:
        raise not_found()
    versions = if_match(request)
    if versions is not None and str(ticket.version) not in versions:
        raise ApiError(
            412,
            "precondition_failed",
            _("The ticket was changed since you read it (version %(v)s).")
            % {"v": ticket.version},
        )
    services.apply_macro(
        macro,
        ticket,
        actor=user,
        expected_version=None if versions is None else ticket.version,
        via="api",
    )
    fresh = (
        Ticket.objects.select_related(
            "requester", "organization", "team", "assignee", "category", "merged_into"
        )
        .prefetch_related("tags")
        .get(pk=ticket.pk)
    )
    return respond(ticket_out(fresh, user), etag=f'"{fresh.version}"')
