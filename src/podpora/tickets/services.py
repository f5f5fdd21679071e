"""The only code that writes tickets. Each function is one transaction that
records its history (``TicketEvent``) and hands the change to the hooks."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from django.db import transaction
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.models import Organization, Team, Tier, User
from podpora.accounts.permissions import Right, can
from podpora.accounts.services import primary_organization
from podpora.core.clean import printable
from podpora.tickets import attachments as attachment_files
from podpora.tickets import html
from podpora.tickets.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from podpora.tickets.hooks import TicketChange, dispatch
from podpora.tickets.models import (
    Attachment,
    Category,
    Channel,
    DeliveryStatus,
    EventKind,
    LinkKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
)
from podpora.tickets.numbering import next_ticket_number

IncomingFile = attachment_files.IncomingFile


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final[Any] = _Unset()

# Which status may follow which. Reopening a closed ticket is not allowed: a
# reply to it becomes a follow-up ticket instead (the mail intake does that).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {
        Status.OPEN,
        Status.WAITING_CUSTOMER,
        Status.WAITING_THIRD_PARTY,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.OPEN: {
        Status.WAITING_CUSTOMER,
        Status.WAITING_THIRD_PARTY,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.WAITING_CUSTOMER: {
        Status.OPEN,
        Status.WAITING_THIRD_PARTY,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.WAITING_THIRD_PARTY: {
        Status.OPEN,
        Status.WAITING_CUSTOMER,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}

MAX_SUBJECT = 255
MAX_BODY = 1_000_000


# --- helpers -------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


_RELATED: list[ForeignKey[Any, Any]] = [
    cast(ForeignKey[Any, Any], Ticket._meta.get_field(name))
    for name in ("requester", "organization", "team", "assignee", "category")
]


def _locked(ticket: Ticket, expected_version: int | None = None) -> Ticket:
    """The ticket re-read under a row lock, so concurrent changes queue up
    instead of overwriting each other (SQLite serialises writers anyway)."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in _RELATED:
        # Keep the people, team and category already loaded when unchanged.
        if field.is_cached(ticket) and getattr(fresh, field.attname) == getattr(
            ticket, field.attname
        ):
            field.set_cached_value(fresh, field.get_cached_value(ticket))
    if expected_version is not None and fresh.version != expected_version:
        raise Conflict(
            _("Ticket %(ref)s was changed by someone else since you opened it.")
            % {"ref": fresh.reference}
        )
    return fresh


def _event(
    ticket: Ticket,
    kind: str,
    *,
    actor: User | None,
    via: str = "",
    field: str = "",
    old: object = "",
    new: object = "",
    message: Message | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        via=via,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        message=message,
        data=data or {},
        created_at=at or _now(),
    )


def _cc_event(
    ticket: Ticket,
    old: set[int],
    new: set[int],
    actor: User | None,
    via: str,
    at: datetime,
) -> TicketEvent:
    return _event(
        ticket,
        EventKind.FIELD,
        actor=actor,
        via=via,
        field="cc",
        old=",".join(map(str, sorted(old))),
        new=",".join(map(str, sorted(new))),
        at=at,
    )


def _touch(
    ticket: Ticket, fields: Iterable[str], *, at: datetime | None = None
) -> None:
    ticket.version += 1
    ticket.updated_at = at or _now()
    ticket.save(update_fields=[*set(fields), "version", "updated_at"])


def _changed(
    ticket: Ticket,
    action: str,
    events: Sequence[TicketEvent],
    *,
    actor: User | None,
    at: datetime | None,
    fields: Iterable[str] = (),
    message: Message | None = None,
    via: str = "",
    extra: dict[str, object] | None = None,
    touch: bool = True,
) -> Ticket:
    """The tail of every service that changes a ticket: a new ``version`` and
    ``updated_at`` (saved with ``fields``), then the change handed to the hooks
    (ADR 0003). ``touch=False`` for a ticket written just now (opened, or
    already touched). Returns the newest instance: a hook may have changed it."""
    if touch:
        _touch(ticket, fields, at=at)
    return dispatch(
        TicketChange(
            ticket=ticket,
            action=action,
            events=events,
            actor=actor,
            message=message,
            via=via,
            extra=extra or {},
        )
    )


def _clean_subject(subject: str) -> str:
    subject = " ".join(printable(subject or "").split())
    if not subject:
        raise InvalidInput(_("A subject is required."))
    return subject[:MAX_SUBJECT]


def _clean_body(body_text: str, body_html: str) -> tuple[str, str]:
    safe_html = html.sanitize(body_html) if body_html else ""
    text = printable(body_text or "", multiline=True).strip() or html.to_text(safe_html)
    if len(text) > MAX_BODY or len(safe_html) > MAX_BODY * 2:
        raise InvalidInput(_("The message is too long."))
    return text, safe_html


def _require_agent(actor: User | None, right: Right = Right.WORK_TICKETS) -> None:
    if actor is not None and not can(actor, right):
        raise NotAllowed(_("You are not allowed to do that."))


def _store_files(
    ticket: Ticket,
    message: Message | None,
    files: Sequence[IncomingFile],
    uploaded_by: User | None,
) -> list[Attachment]:
    """Write the files and their rows together: a rollback of the caller's
    transaction deletes the files again, a full disk raises StorageFull."""
    stored = []
    # No savepoint (no queries) inside the caller's transaction; one of its own
    # if a caller ever stores files in autocommit.
    with transaction.atomic(savepoint=False):
        for incoming in files:
            content, fields = attachment_files.prepare(incoming)
            attachment = Attachment(
                ticket=ticket, message=message, uploaded_by=uploaded_by, **fields
            )
            attachment_files.save_file(attachment.file, content)
            attachment.save()
            stored.append(attachment)
    return stored


def _set_status(
    ticket: Ticket,
    status: str,
    *,
    actor: User | None,
    via: str,
    at: datetime,
    events: list[TicketEvent],
) -> None:
    old = ticket.status
    if status == old:
        return
    if status not in Status.values:
        raise InvalidInput(_("Unknown status: %(status)s") % {"status": status})
    if status not in ALLOWED_TRANSITIONS[old]:
        raise InvalidTransition(
            _("A %(old)s ticket cannot become %(new)s.")
            % {"old": Status(old).label, "new": Status(status).label}
        )
    ticket.status = status
    if status == Status.RESOLVED:
        ticket.resolved_at = at
    elif status == Status.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    elif old == Status.RESOLVED:
        ticket.resolved_at = None
    kind = (
        EventKind.REOPENED
        if old == Status.RESOLVED and status == Status.OPEN
        else EventKind.FIELD
    )
    events.append(
        _event(
            ticket,
            kind,
            actor=actor,
            via=via,
            field="status",
            old=old,
            new=status,
            at=at,
        )
    )


# --- opening ---------------------------------------------------------------------------


@transaction.atomic
def open_ticket(
    *,
    subject: str,
    requester: User,
    channel: str,
    body_text: str = "",
    body_html: str = "",
    actor: User | None = None,
    call_account: bool = False,
    organization: Organization | Any | None = UNSET,
    priority: int = Priority.NORMAL,
    team: Team | None = None,
    category: Category | None = None,
    tags: Iterable[str] = (),
    cc: Iterable[User] = (),
    files: Sequence[IncomingFile] = (),
    remote_session_id: str = "",
    email_message_id: str = "",
    message_data: dict[str, Any] | None = None,
    is_automatic: bool = False,
    via: str = "",
    opened_at: datetime | None = None,
) -> Ticket:
    """Open a ticket from any channel; the description becomes its first message.

    ``actor`` is who recorded it (an agent logging a phone call), or ``None``
    when the requester wrote it themselves. With ``call_account`` the
    description is the actor's account of a call, not the requester's own
    words: the first message is the actor's, marked ``account_of_call`` in
    its data, and shown as such in the desk and the portal. ``opened_at`` is
    for channels that record a conversation after it began (a chat turned
    into a ticket).
    """
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel: %(channel)s") % {"channel": channel})
    if priority not in Priority.values:
        raise InvalidInput(_("Unknown priority: %(priority)s") % {"priority": priority})
    if actor is not None and actor != requester:
        _require_agent(actor)
    if call_account and (actor is None or actor == requester):
        raise ValueError("An account of a call is recorded by an agent (actor).")
    text, safe_html = _clean_body(body_text, body_html)
    if organization is UNSET:
        organization = primary_organization(requester)
    now = min(opened_at, _now()) if opened_at else _now()
    ticket = Ticket.objects.create(
        number=next_ticket_number(),
        subject=_clean_subject(subject),
        channel=channel,
        requester=requester,
        organization=organization,
        priority=priority,
        team=team,
        tier=team.tier if team else Tier.FIRST,
        category=category,
        remote_session_id=remote_session_id.strip()[:64],
        created_at=now,
        updated_at=now,
        last_customer_activity_at=now,
    )
    cc_users = [u for u in cc if u.pk != requester.pk]
    if cc_users:
        ticket.cc.add(*cc_users)
    tag_objects = _tags(tags)
    if tag_objects:
        ticket.tags.add(*tag_objects)
    data = dict(message_data or {})
    if call_account:
        data["account_of_call"] = True
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.CUSTOMER,
        author=actor if call_account else requester,
        channel=channel,
        body_text=text,
        body_html=safe_html,
        created_at=now,
        is_automatic=is_automatic,
        email_message_id=email_message_id[:998],
        data=data,
    )
    _store_files(ticket, message, files, actor or requester)
    events = [
        _event(
            ticket,
            EventKind.CREATED,
            actor=actor or requester,
            via=via,
            message=message,
            data={"channel": channel},
            at=now,
        )
    ]
    # The newest instance: rules may have routed the ticket meanwhile.
    return _changed(
        ticket,
        "opened",
        events,
        actor=actor or requester,
        at=now,
        message=message,
        via=via,
        touch=False,
    )


def tag_name(name: str) -> str:
    """A tag as tickets keep it: one line, trimmed, lower case, ≤ 64 characters
    ("" for nothing)."""
    return " ".join(printable(name or "").split()).lower()[:64]


def _tags(names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({tag_name(n) for n in names} - {""})
    if not cleaned:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]


# --- the thread ----------------------------------------------------------------------


def _add_message(
    ticket: Ticket,
    *,
    kind: str,
    author: User | None,
    body_text: str,
    body_html: str,
    channel: str,
    files: Sequence[IncomingFile],
    time_spent_minutes: int,
    at: datetime,
    **message_fields: Any,
) -> Message:
    text, safe_html = _clean_body(body_text, body_html)
    if not text and not safe_html and not files:
        raise InvalidInput(_("The message is empty."))
    if time_spent_minutes < 0 or time_spent_minutes > 24 * 60:
        raise InvalidInput(_("Time spent must be between 0 and 1440 minutes."))
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        author=author,
        channel=channel,
        body_text=text,
        body_html=safe_html,
        created_at=at,
        time_spent_minutes=time_spent_minutes,
        **message_fields,
    )
    _store_files(ticket, message, files, author)
    return message


@transaction.atomic
def add_reply(
    ticket: Ticket,
    *,
    author: User,
    body_text: str = "",
    body_html: str = "",
    files: Sequence[IncomingFile] = (),
    status: str | None = None,
    time_spent_minutes: int = 0,
    expected_version: int | None = None,
    channel: str = "",
    via: str = "",
) -> Message:
    """A public reply from an agent to the requester (and CCs)."""
    _require_agent(author)
    ticket = _locked(ticket, expected_version)
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(_("The ticket is closed; open a follow-up instead."))
    now = _now()
    message = _add_message(
        ticket,
        kind=MessageKind.REPLY,
        author=author,
        body_text=body_text,
        body_html=body_html,
        channel=channel,
        files=files,
        time_spent_minutes=time_spent_minutes,
        at=now,
    )
    events = [
        _event(
            ticket,
            EventKind.MESSAGE,
            actor=author,
            via=via,
            field="reply",
            message=message,
            at=now,
        )
    ]
    fields = {"last_agent_activity_at"}
    ticket.last_agent_activity_at = now
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.add("first_response_at")
    target = status or (
        Status.OPEN
        if ticket.status in (Status.NEW, Status.WAITING_THIRD_PARTY)
        else None
    )
    if target:
        _set_status(ticket, target, actor=author, via=via, at=now, events=events)
        fields |= {"status", "resolved_at", "closed_at"}
    _changed(
        ticket,
        "reply",
        events,
        actor=author,
        at=now,
        fields=fields,
        message=message,
        via=via,
    )
    return message


@transaction.atomic
def add_note(
    ticket: Ticket,
    *,
    author: User,
    body_text: str = "",
    body_html: str = "",
    files: Sequence[IncomingFile] = (),
    time_spent_minutes: int = 0,
    mentions: Iterable[User] = (),
    via: str = "",
) -> Message:
    """An internal note: agents only, never shown or sent to customers."""
    _require_agent(author)
    ticket = _locked(ticket)
    now = _now()
    message = _add_message(
        ticket,
        kind=MessageKind.NOTE,
        author=author,
        body_text=body_text,
        body_html=body_html,
        channel="",
        files=files,
        time_spent_minutes=time_spent_minutes,
        at=now,
        data={"mentions": [u.pk for u in mentions]} if mentions else {},
    )
    events = [
        _event(
            ticket,
            EventKind.MESSAGE,
            actor=author,
            via=via,
            field="note",
            message=message,
            at=now,
        )
    ]
    _changed(
        ticket,
        "note",
        events,
        actor=author,
        at=now,
        message=message,
        via=via,
        extra={"mentions": list(mentions)},
    )
    return message


@transaction.atomic
def add_system_message(
    ticket: Ticket,
    *,
    body_text: str,
    via: str = "",
    data: dict[str, Any] | None = None,
    files: Sequence[IncomingFile] = (),
    thread_reason: str = "",
    is_automatic: bool = False,
) -> Message:
    """A line from the helpdesk itself (e.g. "the reply could not be delivered"),
    with the files of the report it stands for."""
    ticket = _locked(ticket)
    now = _now()
    text, _html = _clean_body(body_text, "")
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.SYSTEM,
        body_text=text,
        created_at=now,
        data=data or {},
        is_automatic=is_automatic,
        thread_reason=thread_reason[:255],
    )
    _store_files(ticket, message, files, None)
    _touch(ticket, set(), at=now)
    return message


@transaction.atomic
def add_customer_message(
    ticket: Ticket,
    *,
    author: User,
    body_text: str = "",
    body_html: str = "",
    files: Sequence[IncomingFile] = (),
    channel: str = Channel.PORTAL,
    email_message_id: str = "",
    is_automatic: bool = False,
    thread_reason: str = "",
    data: dict[str, Any] | None = None,
    cc: Iterable[User] = (),
    via: str = "",
) -> Message:
    """A message from the requester's side. It reopens a resolved ticket and
    ends a wait on the customer, unless it came from a machine. People in
    ``cc`` (copied on a mail reply) who are not yet on the ticket are added
    to its CC list, so they get the replies too."""
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(_("The ticket is closed; open a follow-up instead."))
    now = _now()
    message = _add_message(
        ticket,
        kind=MessageKind.CUSTOMER,
        author=author,
        body_text=body_text,
        body_html=body_html,
        channel=channel,
        files=files,
        time_spent_minutes=0,
        at=now,
        email_message_id=email_message_id[:998],
        is_automatic=is_automatic,
        thread_reason=thread_reason[:255],
        data=data or {},
    )
    events = [
        _event(
            ticket,
            EventKind.MESSAGE,
            actor=author,
            via=via,
            field="customer_message",
            message=message,
            at=now,
        )
    ]
    if cc:
        old_cc = set(ticket.cc.values_list("pk", flat=True))
        wanted = {u.pk: u for u in cc if u.pk != ticket.requester_id}
        added = [u for pk, u in wanted.items() if pk not in old_cc]
        if added:
            ticket.cc.add(*added)
            events.append(
                _cc_event(
                    ticket, old_cc, old_cc | {u.pk for u in added}, author, via, now
                )
            )
    fields = set()
    if not is_automatic:
        ticket.last_customer_activity_at = now
        fields.add("last_customer_activity_at")
        if ticket.status in (Status.RESOLVED, Status.WAITING_CUSTOMER):
            _set_status(
                ticket, Status.OPEN, actor=author, via=via, at=now, events=events
            )
            fields |= {"status", "resolved_at"}
    _changed(
        ticket,
        "customer_message",
        events,
        actor=author,
        at=now,
        fields=fields,
        message=message,
        via=via,
    )
    return message


# --- fields ------------------------------------------------------------------------------


@transaction.atomic
def update_ticket(
    ticket: Ticket,
    *,
    actor: User | None,
    status: str = UNSET,
    priority: int = UNSET,
    team: Team | None = UNSET,
    assignee: User | None = UNSET,
    tier: int = UNSET,
    category: Category | None = UNSET,
    tags: Iterable[str] = UNSET,
    cc: Iterable[User] = UNSET,
    subject: str = UNSET,
    remote_session_id: str = UNSET,
    expected_version: int | None = None,
    via: str = "",
) -> Ticket:
    """Change any of a ticket's fields; each change is one history event.

    ``actor`` is ``None`` only for the helpdesk's own automation, which names
    itself in ``via`` ("rule:Invoices", "sla").
    """
    if actor is not None and actor.is_customer:
        raise NotAllowed(_("You are not allowed to do that."))
    _require_agent(actor)
    ticket = _locked(ticket, expected_version)
    now = _now()
    events: list[TicketEvent] = []
    fields: set[str] = set()

    def record(field: str, old: object, new: object) -> None:
        events.append(
            _event(
                ticket,
                EventKind.FIELD,
                actor=actor,
                via=via,
                field=field,
                old=old,
                new=new,
                at=now,
            )
        )
        fields.add(field)

    if status is not UNSET and status != ticket.status:
        _set_status(ticket, status, actor=actor, via=via, at=now, events=events)
        fields |= {"status", "resolved_at", "closed_at"}
    if priority is not UNSET and priority != ticket.priority:
        if priority not in Priority.values:
            raise InvalidInput(
                _("Unknown priority: %(priority)s") % {"priority": priority}
            )
        record("priority", ticket.priority, priority)
        ticket.priority = priority
    if team is not UNSET and team != ticket.team:
        record("team", ticket.team_id or "", team.pk if team else "")
        ticket.team = team
    if assignee is not UNSET and assignee != ticket.assignee:
        if assignee is not None:
            if not assignee.is_agent:
                raise InvalidInput(_("Only an active agent can be assigned."))
            if actor is not None and assignee != actor:
                _require_agent(actor, Right.ASSIGN_OTHERS)
        record("assignee", ticket.assignee_id or "", assignee.pk if assignee else "")
        ticket.assignee = assignee
    if tier is not UNSET and tier != ticket.tier:
        if tier not in Tier.values:
            raise InvalidInput(_("Unknown support tier: %(tier)s") % {"tier": tier})
        record("tier", ticket.tier, tier)
        ticket.tier = tier
    if category is not UNSET and category != ticket.category:
        record("category", ticket.category_id or "", category.pk if category else "")
        ticket.category = category
    if subject is not UNSET:
        cleaned = _clean_subject(subject)
        if cleaned != ticket.subject:
            record("subject", ticket.subject, cleaned)
            ticket.subject = cleaned
    if (
        remote_session_id is not UNSET
        and remote_session_id.strip() != ticket.remote_session_id
    ):
        record(
            "remote_session_id",
            ticket.remote_session_id,
            remote_session_id.strip()[:64],
        )
        ticket.remote_session_id = remote_session_id.strip()[:64]
    if tags is not UNSET:
        new_tags = _tags(tags)
        old_names = sorted(ticket.tags.values_list("name", flat=True))
        if [t.name for t in new_tags] != old_names:
            ticket.tags.set(new_tags)
            events.append(
                _event(
                    ticket,
                    EventKind.FIELD,
                    actor=actor,
                    via=via,
                    field="tags",
                    old=", ".join(old_names),
                    new=", ".join(t.name for t in new_tags),
                    at=now,
                )
            )
    if cc is not UNSET:
        new_cc = {u.pk: u for u in cc if u.pk != ticket.requester_id}
        old_cc = set(ticket.cc.values_list("pk", flat=True))
        if set(new_cc) != old_cc:
            ticket.cc.set(new_cc.values())
            events.append(_cc_event(ticket, old_cc, set(new_cc), actor, via, now))
    if not events:
        return ticket
    _changed(
        ticket,
        "updated",
        events,
        actor=actor,
        at=now,
        fields=fields - {"tags", "cc"},
        via=via,
    )
    return ticket


def change_status(
    ticket: Ticket, status: str, *, actor: User | None, via: str = ""
) -> Ticket:
    return update_ticket(ticket, actor=actor, status=status, via=via)


def assign(
    ticket: Ticket, assignee: User | None, *, actor: User | None, via: str = ""
) -> Ticket:
    return update_ticket(ticket, actor=actor, assignee=assignee, via=via)


def close_ticket(ticket: Ticket, *, actor: User | None, via: str = "") -> Ticket:
    return update_ticket(ticket, actor=actor, status=Status.CLOSED, via=via)


@transaction.atomic
def customer_set_status(ticket: Ticket, *, customer: User, status: str) -> Ticket:
    """What a requester may do from the portal: mark solved, or reopen."""
    if status not in (Status.RESOLVED, Status.OPEN):
        raise NotAllowed(_("You are not allowed to do that."))
    ticket = _locked(ticket)
    now = _now()
    events: list[TicketEvent] = []
    _set_status(ticket, status, actor=customer, via="portal", at=now, events=events)
    if not events:
        return ticket
    ticket.last_customer_activity_at = now
    _changed(
        ticket,
        "updated",
        events,
        actor=customer,
        at=now,
        fields={"status", "resolved_at", "closed_at", "last_customer_activity_at"},
        via="portal",
    )
    return ticket


# --- escalation, merging, links -------------------------------------------------------------


@transaction.atomic
def escalate(
    ticket: Ticket,
    *,
    actor: User | None,
    note: str,
    team: Team | None = None,
    tier: int | None = None,
    via: str = "",
) -> Ticket:
    """Hand a ticket to the next support tier with a hand-over note.

    The target team is the one given, else the current team's escalation team,
    else the first active team of the target tier.
    """
    _require_agent(actor)
    if not note or not note.strip():
        raise InvalidInput(_("Escalation needs a hand-over note."))
    ticket = _locked(ticket)
    if not ticket.is_open:
        raise InvalidTransition(_("Only an open ticket can be escalated."))
    target_tier = tier or (team.tier if team else ticket.tier + 1)
    if target_tier not in Tier.values or target_tier <= ticket.tier:
        raise InvalidTransition(_("The ticket is already at the highest support tier."))
    if team is None:
        current = ticket.team
        if (
            current
            and current.escalation_team is not None
            and current.escalation_team.tier == target_tier
        ):
            team = current.escalation_team
        else:
            team = (
                Team.objects.filter(tier=target_tier, is_active=True)
                .order_by("name")
                .first()
            )
    now = _now()
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.NOTE,
        author=actor,
        body_text=note.strip(),
        body_html=html.text_to_html(note),
        created_at=now,
    )
    events = [
        _event(
            ticket,
            EventKind.ESCALATED,
            actor=actor,
            via=via,
            field="tier",
            old=ticket.tier,
            new=target_tier,
            message=message,
            data={"from_team": ticket.team_id, "to_team": team.pk if team else None},
            at=now,
        )
    ]
    old_team, old_assignee = ticket.team_id, ticket.assignee_id
    ticket.tier = target_tier
    if team is not None and team.pk != old_team:
        ticket.team = team
        events.append(
            _event(
                ticket,
                EventKind.FIELD,
                actor=actor,
                via=via,
                field="team",
                old=old_team or "",
                new=team.pk,
                at=now,
            )
        )
    if old_assignee and (
        team is None or not team.agents.filter(pk=old_assignee).exists()
    ):
        ticket.assignee = None
        events.append(
            _event(
                ticket,
                EventKind.FIELD,
                actor=actor,
                via=via,
                field="assignee",
                old=old_assignee,
                new="",
                at=now,
            )
        )
    _changed(
        ticket,
        "escalated",
        events,
        actor=actor,
        at=now,
        fields={"tier", "team", "assignee"},
        message=message,
        via=via,
    )
    return ticket


@transaction.atomic
def merge_tickets(source: Ticket, target: Ticket, *, actor: User) -> Ticket:
    """Fold ``source`` into ``target``: its thread and attachments move, it
    closes and points to the survivor."""
    _require_agent(actor, Right.MERGE_TICKETS)
    if source.pk == target.pk:
        raise InvalidInput(_("A ticket cannot be merged into itself."))
    # Lock in id order so that two opposite merges cannot deadlock.
    first, second = sorted([source.pk, target.pk])
    locked = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .filter(pk__in=[first, second])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id:
        raise InvalidTransition(
            _("Ticket %(ref)s was already merged.") % {"ref": source.reference}
        )
    if target.merged_into_id or target.status == Status.CLOSED:
        raise InvalidTransition(_("Cannot merge into a closed or merged ticket."))
    now = _now()
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    for user in source.cc.all():
        target.cc.add(user)
    if source.requester_id != target.requester_id:
        target.cc.add(source.requester)
    source.merged_into = target
    events_source: list[TicketEvent] = []
    if source.status != Status.CLOSED:
        events_source.append(
            _event(
                source,
                EventKind.FIELD,
                actor=actor,
                field="status",
                old=source.status,
                new=Status.CLOSED,
                at=now,
            )
        )
        source.status = Status.CLOSED
        source.closed_at = now
    events_source.append(
        _event(
            source,
            EventKind.MERGED,
            actor=actor,
            field="merged_into",
            new=target.number,
            data={"messages": moved},
            at=now,
        )
    )
    _touch(source, {"merged_into", "status", "closed_at"}, at=now)
    events_target = [
        _event(
            target,
            EventKind.MERGED,
            actor=actor,
            field="merged_from",
            new=source.number,
            data={"messages": moved},
            at=now,
        )
    ]
    _touch(target, set(), at=now)
    # Both are touched before either is dispatched: the source's hooks must
    # not find the target as it was before the merge.
    _changed(source, "merged", events_source, actor=actor, at=now, touch=False)
    _changed(target, "merged", events_target, actor=actor, at=now, touch=False)
    return target


@transaction.atomic
def link_tickets(
    source: Ticket, target: Ticket, *, kind: str, actor: User | None, via: str = ""
) -> TicketLink:
    """Link two tickets; ``actor`` is ``None`` when the helpdesk itself links
    them (a mail to a closed ticket opens a linked follow-up), named in ``via``."""
    _require_agent(actor)
    if source.pk == target.pk:
        raise InvalidInput(_("A ticket cannot be linked to itself."))
    if kind not in LinkKind.values:
        raise InvalidInput(_("Unknown link kind."))
    link, created = TicketLink.objects.get_or_create(
        source=source, target=target, defaults={"kind": kind}
    )
    if created:
        _event(
            source,
            EventKind.LINKED,
            actor=actor,
            via=via,
            field=kind,
            new=target.number,
        )
        _event(
            target,
            EventKind.LINKED,
            actor=actor,
            via=via,
            field=kind,
            old=source.number,
        )
    return link


def set_delivery_status(message: Message | int, status: str) -> None:
    """Record how mailing a public reply went. A reply goes to several people:
    failed wins over sent, sent over pending, so one bounce stays visible."""
    if status not in DeliveryStatus.values:
        raise InvalidInput(_("Unknown delivery status."))
    pk = message if isinstance(message, int) else message.pk
    replies = Message.objects.filter(pk=pk, kind=MessageKind.REPLY)
    if status != DeliveryStatus.FAILED:
        replies = replies.exclude(delivery_status=DeliveryStatus.FAILED)
    if status == DeliveryStatus.PENDING:
        replies = replies.exclude(delivery_status=DeliveryStatus.SENT)
    replies.update(delivery_status=status)


@transaction.atomic
def set_watching(ticket: Ticket, user: User, *, watching: bool) -> None:
    if not user.is_agent:
        raise NotAllowed(_("Only agents can watch tickets."))
    if watching:
        ticket.watchers.add(user)
    else:
        ticket.watchers.remove(user)


@transaction.atomic
def split_message(message: Message, *, actor: User, subject: str = "") -> Ticket:
    """Move one customer message off into a new ticket of its own."""
    _require_agent(actor)
    if message.kind != MessageKind.CUSTOMER:
        raise InvalidInput(_("Only a customer message can be split off."))
    old = _locked(message.ticket)
    author = message.author or old.requester
    new = Ticket.objects.create(
        number=next_ticket_number(),
        subject=_clean_subject(subject or old.subject),
        channel=message.channel or old.channel,
        requester=author,
        organization=old.organization
        if author.pk == old.requester_id
        else primary_organization(author),
        priority=old.priority,
        team=old.team,
        tier=old.tier,
        category=old.category,
        created_at=message.created_at,
        updated_at=_now(),
        last_customer_activity_at=message.created_at,
    )
    Message.objects.filter(pk=message.pk).update(ticket=new)
    Attachment.objects.filter(message=message).update(ticket=new)
    now = _now()
    _event(
        new,
        EventKind.CREATED,
        actor=actor,
        via=f"split:{old.number}",
        message=message,
        data={"split_from": old.number},
        at=now,
    )
    _event(
        old, EventKind.MOVED_MESSAGE, actor=actor, field="split", new=new.number, at=now
    )
    TicketLink.objects.create(source=old, target=new, kind=LinkKind.RELATED)
    _touch(old, set(), at=now)
    message.ticket = new
    _changed(new, "opened", [], actor=actor, at=now, message=message, touch=False)
    return new


@transaction.atomic
def move_message(
    message: Message, target: Ticket, *, actor: User, reason: str = ""
) -> Message:
    """Put a mis-threaded message on the ticket it belongs to."""
    _require_agent(actor)
    source = _locked(message.ticket)
    if source.pk == target.pk:
        return message
    Message.objects.filter(pk=message.pk).update(ticket=target)
    Attachment.objects.filter(message=message).update(ticket=target)
    now = _now()
    _event(
        source,
        EventKind.MOVED_MESSAGE,
        actor=actor,
        field="moved_out",
        new=target.number,
        data={"reason": reason},
        at=now,
    )
    _event(
        target,
        EventKind.MOVED_MESSAGE,
        actor=actor,
        field="moved_in",
        old=source.number,
        message=message,
        data={"reason": reason},
        at=now,
    )
    _touch(source, set(), at=now)
    _touch(Ticket.objects.select_for_update().get(pk=target.pk), set(), at=now)
    message.ticket = target
    return message


def attach_files(
    ticket: Ticket,
    message: Message | None,
    files: Sequence[IncomingFile],
    *,
    uploaded_by: User | None,
) -> list[Attachment]:
    """Store files on an existing message (used by channels that add files later)."""
    with transaction.atomic():
        return _store_files(ticket, message, files, uploaded_by)


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of a conversation held elsewhere (a chat), kept with its time."""

    from_customer: bool
    author: User | None
    body_text: str
    sent_at: datetime
    files: Sequence[IncomingFile] = ()


@transaction.atomic
def add_transcript(
    ticket: Ticket,
    *,
    entries: Sequence[TranscriptEntry],
    actor: User,
    channel: str = Channel.CHAT,
    via: str = "",
) -> list[Message]:
    """Put a finished conversation on a ticket as its thread, each line a
    message with its original time. One history event; receivers see the
    action "transcript", so nothing already said live is mailed again."""
    _require_agent(actor)
    ticket = _locked(ticket)
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(_("The ticket is closed; open a follow-up instead."))
    if not entries:
        raise InvalidInput(_("The conversation is empty."))
    now = _now()
    messages = []
    for entry in entries:
        messages.append(
            _add_message(
                ticket,
                kind=MessageKind.CUSTOMER if entry.from_customer else MessageKind.REPLY,
                author=entry.author,
                body_text=entry.body_text,
                body_html="",
                channel=channel,
                files=entry.files,
                time_spent_minutes=0,
                at=entry.sent_at,
            )
        )
    agent_lines = [e.sent_at for e in entries if not e.from_customer]
    customer_lines = [e.sent_at for e in entries if e.from_customer]
    fields: set[str] = set()
    if agent_lines:
        ticket.last_agent_activity_at = max(agent_lines)
        fields.add("last_agent_activity_at")
        if ticket.first_response_at is None or ticket.first_response_at > min(
            agent_lines
        ):
            first_reply = min(agent_lines)
            if first_reply >= ticket.created_at:
                ticket.first_response_at = first_reply
                fields.add("first_response_at")
    if customer_lines:
        ticket.last_customer_activity_at = max(customer_lines)
        fields.add("last_customer_activity_at")
    events = [
        _event(
            ticket,
            EventKind.MESSAGE,
            actor=actor,
            via=via,
            field="transcript",
            message=messages[0],
            data={"messages": len(messages)},
            at=now,
        )
    ]
    _changed(
        ticket,
        "transcript",
        events,
        actor=actor,
        at=now,
        fields=fields,
        message=messages[0],
        via=via,
    )
    return messages
