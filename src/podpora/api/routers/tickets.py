"""Tickets, their thread and their attachments."""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router
from ninja.files import UploadedFile
from pydantic import Field

from podpora.accounts.models import Organization, Team, User
from podpora.accounts.services import (
    active_user_with_organization,
    get_or_create_customer,
)
from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, ApiError, not_found
from podpora.api.filter_query import FilterQuery
from podpora.api.pagination import DEFAULT_LIMIT, PageQuery, paginate
from podpora.api.responses import if_match, respond, respond_page
from podpora.api.schemas import (
    AttachmentOut,
    AttachmentPage,
    MergeIn,
    MessageAgentOut,
    MessageCustomerOut,
    MessageIn,
    MessagePage,
    TicketAgentOut,
    TicketCustomerOut,
    TicketIn,
    TicketPage,
    TicketPatch,
    clean_text,
    message_out,
    ticket_out,
)
from podpora.search.filters import apply_filters
from podpora.tickets import services
from podpora.tickets.errors import Conflict, InvalidInput, NotAllowed
from podpora.tickets.models import Category, Channel, Message, Ticket
from podpora.tickets.selectors import (
    attachments_visible_to,
    thread_for,
    visible_to,
)

router = Router(tags=["tickets"])

TICKET_SORTS = {
    "-updated": "-updated_at",
    "updated": "updated_at",
    "-created": "-created_at",
    "created": "created_at",
    "-number": "-number",
    "number": "number",
}
Number = Annotated[int, Path(ge=1, le=2**62)]
MAX_FILES = 20


class TicketQuery(FilterQuery):
    sort: str = Field("-updated", description="One of: " + ", ".join(TICKET_SORTS))
    cursor: Annotated[str, Field(max_length=512)] | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=100)


def _list_queryset(user: User) -> QuerySet[Ticket]:
    tickets = visible_to(user).select_related("requester", "organization")
    if user.is_agent:
        tickets = tickets.select_related(
            "team", "assignee", "category", "merged_into"
        ).prefetch_related("tags")
    return tickets


def _ticket(user: User, number: int) -> Ticket:
    ticket = _list_queryset(user).filter(number=number).first()
    if ticket is None:
        raise not_found()
    return ticket


def _etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def _expected_version(request: HttpRequest, ticket: Ticket) -> int | None:
    """The version the caller's ``If-Match`` names; 412 when it is stale."""
    versions = if_match(request)
    if versions is None:
        return None
    if str(ticket.version) not in versions:
        raise ApiError(
            412,
            "precondition_failed",
            _("The ticket was changed since you read it (version %(v)s).")
            % {"v": ticket.version},
        )
    return ticket.version


def _reload(ticket: Ticket) -> Ticket:
    """The ticket after a change the caller was allowed to make. Not re-scoped:
    an agent who just routed a ticket away from their own team may no longer
    see it, but is still told how it ended up."""
    return (
        Ticket.objects.select_related(
            "requester", "organization", "team", "assignee", "category", "merged_into"
        )
        .prefetch_related("tags")
        .get(pk=ticket.pk)
    )


@router.get(
    "/tickets",
    response={200: TicketPage, **ERROR_RESPONSES},
    summary="List tickets",
)
def list_tickets(request: HttpRequest, query: Query[TicketQuery]) -> JsonResponse:
    """The tickets you may see, filtered like the desk's queues. Pass
    `next_cursor` back as `cursor` for the next page."""
    user = caller(request)
    tickets = apply_filters(_list_queryset(user), user, query.filters())
    page = paginate(
        tickets,
        sort=query.sort,
        allowed=TICKET_SORTS,
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page((ticket_out(t, user) for t in page.items), page.next_cursor)


def _requester_for(user: User, payload: TicketIn) -> tuple[User, object]:
    """The requester, and their organisation when it was read along
    (``services.UNSET`` otherwise: the service looks it up)."""
    if payload.requester_id:
        found = active_user_with_organization(payload.requester_id)
        if found is None:
            raise InvalidInput(_("Unknown requester."))
        return found
    if payload.requester_email:
        requester, _created = get_or_create_customer(
            payload.requester_email, full_name=payload.requester_name
        )
        return requester, services.UNSET
    return user, services.UNSET


@router.post(
    "/tickets",
    response={201: TicketAgentOut | TicketCustomerOut, **ERROR_RESPONSES},
    summary="Open a ticket",
)
def create_ticket(request: HttpRequest, payload: TicketIn) -> JsonResponse:
    """Customers open a ticket for themselves. Agents may open one on
    someone's behalf (`requester_id` or `requester_email`) and route it."""
    user = caller(request)
    agent_fields = {
        "requester_id",
        "requester_email",
        "requester_name",
        "channel",
        "team_id",
        "organization_id",
        "tags",
    }
    if not user.is_agent and payload.model_fields_set & agent_fields:
        raise NotAllowed(
            _("Only agents may set: %(fields)s.")
            % {"fields": ", ".join(sorted(payload.model_fields_set & agent_fields))}
        )
    kwargs: dict[str, object] = {}
    requester = user
    if user.is_agent:
        requester, kwargs["organization"] = _requester_for(user, payload)
        if payload.team_id:
            team = Team.objects.filter(pk=payload.team_id, is_active=True).first()
            if team is None:
                raise InvalidInput(_("Unknown team."))
            kwargs["team"] = team
        if payload.organization_id:
            organization = Organization.objects.filter(
                pk=payload.organization_id, is_active=True
            ).first()
            if organization is None:
                raise InvalidInput(_("Unknown organisation."))
            kwargs["organization"] = organization
        kwargs["tags"] = payload.tags
    ticket = services.open_ticket(
        subject=payload.subject,
        requester=requester,
        channel=payload.channel or Channel.API,
        body_text=payload.body_text,
        body_html=payload.body_html,
        actor=user if user.is_agent else None,
        priority=payload.priority,
        via="api",
        **kwargs,  # type: ignore[arg-type]
    )
    # The newest instance from the service, as the rules left it: its
    # requester, organisation, team and tags are loaded already.
    return respond(ticket_out(ticket, user), status=201, etag=_etag(ticket))


@router.get(
    "/tickets/{number}",
    response={200: TicketAgentOut | TicketCustomerOut, **ERROR_RESPONSES},
    summary="Read a ticket",
)
def read_ticket(request: HttpRequest, number: Number) -> JsonResponse:
    """The `ETag` header carries the ticket's version: send it back in
    `If-Match` when you change the ticket."""
    user = caller(request)
    ticket = _ticket(user, number)
    return respond(ticket_out(ticket, user), etag=_etag(ticket))


@router.patch(
    "/tickets/{number}",
    response={200: TicketAgentOut | TicketCustomerOut, **ERROR_RESPONSES},
    summary="Change a ticket's fields",
)
def update_ticket(
    request: HttpRequest, number: Number, payload: TicketPatch
) -> JsonResponse:
    """Agents change any field; customers may only mark their ticket
    `resolved` or reopen it (`open`). With `If-Match`, a change made by
    someone else in between answers 412 instead of being overwritten."""
    user = caller(request)
    ticket = _ticket(user, number)
    expected = _expected_version(request, ticket)
    changes = payload.model_dump(exclude_unset=True)
    try:
        if not user.is_agent:
            if set(changes) - {"status"} or changes.get("status") is None:
                raise NotAllowed(_("Customers may only change the status."))
            services.customer_set_status(
                ticket, customer=user, status=changes["status"]
            )
        else:
            kwargs = _update_kwargs(changes)
            services.update_ticket(
                ticket, actor=user, expected_version=expected, via="api", **kwargs
            )
    except Conflict as conflict:
        raise ApiError(412, "precondition_failed", conflict.message) from conflict
    ticket = _reload(ticket)
    return respond(ticket_out(ticket, user), etag=_etag(ticket))


def _update_kwargs(changes: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for field in ("subject", "status", "priority", "tier", "remote_session_id"):
        if field in changes:
            if changes[field] is None:
                raise InvalidInput(_("%(field)s cannot be empty.") % {"field": field})
            kwargs[field] = changes[field]
    if "tags" in changes:
        kwargs["tags"] = changes["tags"] or []
    references = (
        ("team_id", "team", Team, _("Unknown team.")),
        ("assignee_id", "assignee", User, _("Unknown assignee.")),
        ("category_id", "category", Category, _("Unknown category.")),
    )
    for key, field, model, unknown in references:
        if key in changes:
            kwargs[field] = _referenced(model, changes[key], unknown)
    return kwargs


def _referenced(model: type[Any], pk: int | None, unknown: str) -> Any:
    """The row an id in the request names; ``None`` clears the field."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput(unknown)
    return found


@router.post(
    "/tickets/{number}/merge",
    response={200: TicketAgentOut | TicketCustomerOut, **ERROR_RESPONSES},
    summary="Merge a ticket into another",
)
def merge_ticket(
    request: HttpRequest, number: Number, payload: MergeIn
) -> JsonResponse:
    """Fold this ticket into ticket `into`; answers with the survivor."""
    user = caller(request)
    if not user.is_agent:
        raise not_found()
    source = _ticket(user, number)
    target = _ticket(user, payload.into)
    services.merge_tickets(source, target, actor=user)
    target = _reload(target)
    return respond(ticket_out(target, user), etag=_etag(target))


# --- the thread ----------------------------------------------------------------


@router.get(
    "/tickets/{number}/messages",
    response={200: MessagePage, **ERROR_RESPONSES},
    summary="Read a ticket's thread",
)
def list_messages(
    request: HttpRequest, number: Number, query: Query[PageQuery]
) -> JsonResponse:
    """Oldest first. Customers get the public thread only."""
    user = caller(request)
    ticket = _ticket(user, number)
    page = paginate(
        thread_for(user, ticket),
        sort="created",
        allowed={"created": "created_at"},
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page((message_out(m, user) for m in page.items), page.next_cursor)


def _post_message(
    user: User,
    ticket: Ticket,
    *,
    kind: str,
    body_text: str,
    body_html: str = "",
    files: list[services.IncomingFile] | tuple = (),
    status: str | None = None,
    time_spent_minutes: int = 0,
    expected_version: int | None = None,
) -> Message:
    if not user.is_agent:
        if status or time_spent_minutes:
            raise NotAllowed(_("Only agents may set status or time spent."))
        return services.add_customer_message(
            ticket,
            author=user,
            body_text=body_text,
            body_html=body_html,
            files=files,
            channel=Channel.API,
            via="api",
        )
    if kind == "note":
        if status:
            raise InvalidInput(_("A note does not change the status."))
        return services.add_note(
            ticket,
            author=user,
            body_text=body_text,
            body_html=body_html,
            files=files,
            time_spent_minutes=time_spent_minutes,
            via="api",
        )
    if kind != "reply":
        raise InvalidInput(_("Agents send a reply or a note."))
    return services.add_reply(
        ticket,
        author=user,
        body_text=body_text,
        body_html=body_html,
        files=files,
        status=status,
        time_spent_minutes=time_spent_minutes,
        expected_version=expected_version,
        channel=Channel.API,
        via="api",
    )


@router.post(
    "/tickets/{number}/messages",
    response={201: MessageAgentOut | MessageCustomerOut, **ERROR_RESPONSES},
    summary="Reply, add a note, or (customers) write to the ticket",
)
def create_message(
    request: HttpRequest, number: Number, payload: MessageIn
) -> JsonResponse:
    user = caller(request)
    ticket = _ticket(user, number)
    expected = _expected_version(request, ticket)
    try:
        message = _post_message(
            user,
            ticket,
            kind=payload.kind,
            body_text=payload.body_text,
            body_html=payload.body_html,
            status=payload.status,
            time_spent_minutes=payload.time_spent_minutes,
            expected_version=expected,
        )
    except Conflict as conflict:
        raise ApiError(412, "precondition_failed", conflict.message) from conflict
    message = thread_for(user, ticket).get(pk=message.pk)
    return respond(message_out(message, user), status=201)


# --- attachments -------------------------------------------------------------------


@router.get(
    "/tickets/{number}/attachments",
    response={200: AttachmentPage, **ERROR_RESPONSES},
    summary="List a ticket's attachments",
)
def list_attachments(
    request: HttpRequest, number: Number, query: Query[PageQuery]
) -> JsonResponse:
    user = caller(request)
    ticket = _ticket(user, number)
    page = paginate(
        attachments_visible_to(user).filter(ticket=ticket),
        sort="created",
        allowed={"created": "pk"},
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page(
        (AttachmentOut.from_orm(a) for a in page.items), page.next_cursor
    )


@router.post(
    "/tickets/{number}/attachments",
    response={201: MessageAgentOut | MessageCustomerOut, **ERROR_RESPONSES},
    summary="Upload files (multipart)",
)
def upload_attachments(
    request: HttpRequest,
    number: Number,
    files: File[list[UploadedFile]],
    kind: Form[str] = "note",
    body_text: Form[str] = "",
) -> JsonResponse:
    """Files arrive as a message of their own: agents choose `note`
    (internal, the default) or `reply`; customers' files join the public
    thread."""
    user = caller(request)
    ticket = _ticket(user, number)
    if not files or len(files) > MAX_FILES:
        raise InvalidInput(_("Send between 1 and %(n)s files.") % {"n": MAX_FILES})
    if kind not in {"note", "reply", "customer"}:
        raise InvalidInput(_("Unknown message kind."))
    try:
        body_text = clean_text(body_text)
    except ValueError as bad:
        raise InvalidInput(str(bad)) from bad
    incoming = [
        services.IncomingFile(
            name=f.name or "attachment",
            content=f.read(),
            declared_type=f.content_type or "",
        )
        for f in files
    ]
    message = _post_message(
        user, ticket, kind=kind, body_text=body_text[:100_000], files=incoming
    )
    message = thread_for(user, ticket).get(pk=message.pk)
    return respond(message_out(message, user), status=201)


@router.get(
    "/attachments/{attachment_id}",
    response={200: AttachmentOut, **ERROR_RESPONSES},
    summary="An attachment's details",
)
def read_attachment(
    request: HttpRequest, attachment_id: Annotated[int, Path(ge=1, le=2**62)]
) -> JsonResponse:
    attachment = (
        attachments_visible_to(caller(request)).filter(pk=attachment_id).first()
    )
    if attachment is None:
        raise not_found()
    return respond(AttachmentOut.from_orm(attachment))


@router.get(
    "/attachments/{attachment_id}/content",
    response=ERROR_RESPONSES,
    url_name="attachment_content",
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(
    request: HttpRequest, attachment_id: Annotated[int, Path(ge=1, le=2**62)]
) -> FileResponse:
    """Served as a download with the same safe headers as the web UI: never
    sniffed or rendered as a page."""
    attachment = (
        attachments_visible_to(caller(request)).filter(pk=attachment_id).first()
    )
    if attachment is None:
        raise not_found()
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise not_found() from missing
    content_type = attachment.content_type
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=content_type
        if "/" in content_type
        else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
