"""Outgoing mail: who gets what after a ticket change, and how it is sent.

:func:`on_ticket_change` runs inside the ticket's transaction (it is listed in
``PODPORA_TICKET_HOOKS``): it only decides and records — one
:class:`OutboundMail` row per recipient with our own Message-ID, reserved in
the same transaction — and queues :func:`send` for after the commit. Sending
is a task that is safe to run twice (a compare-and-set claim), retried with
backoff by the ``mail.retry_outbound`` job; a mail that finally fails is
marked on its message and an internal note tells the agents.
"""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from podpora.accounts.models import Team, User
from podpora.mail import loops
from podpora.mail.models import (
    AutoMailCounter,
    Direction,
    MessageReference,
    OutboundMail,
    OutboundState,
)
from podpora.tickets import services
from podpora.tickets.hooks import TicketChange
from podpora.tickets.html import block_remote_images, text_to_html
from podpora.tickets.models import DeliveryStatus, Message, MessageKind, Ticket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
_ROBOT = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)(?:[+-].*)?@",
    re.I,
)


class Kind:
    ACKNOWLEDGEMENT = "acknowledgement"
    REPLY = "reply"
    STATUS_RESOLVED = "status_resolved"
    STATUS_WAITING = "status_waiting_customer"
    AGENT_NEW_TICKET = "agent_new_ticket"
    AGENT_ASSIGNED = "agent_assigned"
    AGENT_CUSTOMER_REPLIED = "agent_customer_replied"
    AGENT_NOTE = "agent_note"
    AGENT_SLA_WARNING = "agent_sla_warning"
    AGENT_SLA_BREACHED = "agent_sla_breached"
    AGENT_ESCALATED = "agent_escalated"


# Mails no person asked for: they carry Auto-Submitted and count against the
# per-address hourly cap.
AUTOMATIC = {
    Kind.ACKNOWLEDGEMENT,
    Kind.STATUS_RESOLVED,
    Kind.STATUS_WAITING,
    Kind.AGENT_NEW_TICKET,
    Kind.AGENT_ASSIGNED,
    Kind.AGENT_CUSTOMER_REPLIED,
    Kind.AGENT_NOTE,
    Kind.AGENT_SLA_WARNING,
    Kind.AGENT_SLA_BREACHED,
    Kind.AGENT_ESCALATED,
}
SLA_KINDS = {
    "sla_warning": Kind.AGENT_SLA_WARNING,
    "sla_breached": Kind.AGENT_SLA_BREACHED,
}
CUSTOMER_KINDS = {
    Kind.ACKNOWLEDGEMENT,
    Kind.REPLY,
    Kind.STATUS_RESOLVED,
    Kind.STATUS_WAITING,
}
STATUS_KINDS = {
    "resolved": Kind.STATUS_RESOLVED,
    "waiting_customer": Kind.STATUS_WAITING,
}


def _setting(name: str, default: object) -> object:
    return getattr(settings, name, default)


def message_id_domain() -> str:
    return str(_setting("PODPORA_MAIL_MESSAGE_ID_DOMAIN", "podpora.mail"))


def new_message_id() -> str:
    return f"{uuid.uuid4().hex}@{message_id_domain()}"


# --- deciding ---------------------------------------------------------------------------------


def on_ticket_change(change: TicketChange) -> None:
    """The hook: record the mails this change calls for."""
    ticket = change.ticket
    message = change.message
    actor = change.actor
    planned: list[tuple[str, User, bool]] = []  # (kind, recipient, automatic)
    sla_context: dict[str, str] = {}
    if change.action == "opened" and message is not None:
        if _wants_acknowledgement(ticket, message):
            planned.append((Kind.ACKNOWLEDGEMENT, ticket.requester, True))
        if ticket.team_id is not None:
            planned += [
                (Kind.AGENT_NEW_TICKET, agent, True)
                for agent in _team_agents(ticket.team_id)
            ]
    elif change.action == "reply" and message is not None:
        for user in [ticket.requester, *ticket.cc.all()]:
            planned.append((Kind.REPLY, user, False))
    elif change.action == "customer_message" and message is not None:
        if not message.is_automatic:
            planned += [
                (Kind.AGENT_CUSTOMER_REPLIED, agent, True)
                for agent in _agents_following(ticket)
            ]
    elif change.action == "note" and message is not None:
        mentions = change.extra.get("mentions", [])
        mentioned = [
            u
            for u in (mentions if isinstance(mentions, list) else [])
            if isinstance(u, User)
        ]
        planned += [(Kind.AGENT_NOTE, u, True) for u in mentioned]
        planned += [(Kind.AGENT_NOTE, u, True) for u in ticket.watchers.all()]
    elif change.action in SLA_KINDS:
        # The sweep names who answers for the ticket (assignee, team lead).
        ids = {
            pk
            for event in change.events
            for pk in (event.data or {}).get("notify", [])
            if isinstance(pk, int)
        }
        planned += [
            (SLA_KINDS[change.action], agent, True)
            for agent in User.objects.filter(pk__in=ids, is_active=True)
        ]
        sla_context = {
            "clock": change.events[0].field if change.events else "",
            "due": change.events[0].old_value if change.events else "",
        }
    elif change.action == "escalated":
        # The team taking the ticket over hears of it: its agents and its lead.
        team = ticket.team
        if team is not None:
            planned += [
                (Kind.AGENT_ESCALATED, agent, True)
                for agent in [*_team_agents(team.pk), team.lead]
                if agent is not None
            ]
        sla_context = _escalation_context(change)
    if change.action == "updated":
        wanted = set(_setting("PODPORA_MAIL_STATUS_MAILS", ["resolved"]))  # type: ignore[call-overload]
        for event in change.events:
            if event.field == "status" and event.new_value in wanted:
                kind = STATUS_KINDS.get(event.new_value)
                if kind:
                    planned.append((kind, ticket.requester, True))
            if event.field == "assignee" and ticket.assignee_id:
                planned.append((Kind.AGENT_ASSIGNED, ticket.assignee, True))  # type: ignore[arg-type]
    seen: set[tuple[str, int]] = set()
    chosen: list[tuple[str, User, bool]] = []
    for kind, user, automatic in planned:
        if user is None:
            continue
        # Nobody needs to hear about their own action, except the requester's
        # acknowledgement of the request they just sent.
        if kind != Kind.ACKNOWLEDGEMENT and actor is not None and user.pk == actor.pk:
            continue
        if (kind, user.pk) in seen or not user.is_active:
            continue
        seen.add((kind, user.pk))
        chosen.append((kind, user, automatic))
    if chosen:
        _record(ticket, chosen, message, actor=actor, extra=sla_context)


def _escalation_context(change: TicketChange) -> dict[str, str]:
    """What the escalation mail says of where the ticket came from and why;
    words are chosen when it is rendered, in the recipient's language."""
    from_team = next(
        (
            event.data.get("from_team")
            for event in change.events
            if event.field == "tier" and event.data
        ),
        None,
    )
    via = change.via or ""
    return {
        "from_team": (
            str(
                Team.objects.filter(pk=from_team).values_list("name", flat=True).first()
                or ""
            )
            if isinstance(from_team, int)
            else ""
        ),
        "rule": via.removeprefix("rule:") if via.startswith("rule:") else "",
        "by_sla": "1" if via == "sla" else "",
    }


def _wants_acknowledgement(ticket: Ticket, message: Message) -> bool:
    channels = set(_setting("PODPORA_MAIL_ACK_CHANNELS", ["email"]))  # type: ignore[call-overload]
    return (
        ticket.channel in channels
        and not message.is_automatic
        and not ticket.requester.is_agent
    )


def _agents_following(ticket: Ticket) -> list[User]:
    agents: list[User] = []
    if ticket.assignee_id:
        agents.append(ticket.assignee)  # type: ignore[arg-type]
    elif ticket.team_id is not None:
        agents += _team_agents(ticket.team_id)
    agents += list(ticket.watchers.all())
    return agents


def _team_agents(team_id: int) -> list[User]:
    """The team's active agents; read once per team in a batch."""
    known = _TEAMS.get()
    if known is not None and team_id in known:
        return known[team_id]
    agents = list(User.objects.filter(teams__pk=team_id, is_active=True))
    if known is not None:
        known[team_id] = agents
    return agents


def _record(
    ticket: Ticket,
    chosen: list[tuple[str, User, bool]],
    message: Message | None,
    *,
    actor: User | None,
    extra: dict[str, str] | None = None,
) -> None:
    ours = _own_addresses()
    rows = []
    for kind, user, automatic in chosen:
        address = user.email
        if automatic and (_ROBOT.match(address) or address in ours):
            continue  # never answer robots or ourselves automatically
        rows.append(
            OutboundMail(
                ticket=ticket,
                message=message,
                kind=kind,
                email_message_id=new_message_id(),
                recipient=address,
                recipient_user=user,
                is_automatic=automatic,
                context={"actor": actor.display_name if actor else "", **(extra or {})},
            )
        )
    if not rows:
        return
    if message is not None and any(row.kind == Kind.REPLY for row in rows):
        services.set_delivery_status(message, DeliveryStatus.PENDING)
    held = _HELD.get()
    if held is not None:
        held.staged += rows
        return
    _write(rows)


def _write(rows: list[OutboundMail]) -> None:
    OutboundMail.objects.bulk_create(rows)
    # Customers answer these; agents' mail threads by the subject tag, since
    # every agent is a party to every ticket.
    MessageReference.objects.bulk_create(
        [
            MessageReference(
                email_message_id=row.email_message_id,
                ticket_id=row.ticket_id,
                message=row.message,
                direction=Direction.OUT,
            )
            for row in rows
            if row.kind in CUSTOMER_KINDS
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _enqueue(ids), robust=True)


class HeldMail:
    """Outgoing mail recorded inside a batch's transaction, written at its end
    with one insert instead of one per ticket change.

    The batch tells what one mail's changes recorded to stay (:meth:`keep`,
    its savepoint was released) or to go (:meth:`drop`, rolled back), and
    :meth:`write` inserts what stayed before the batch commits.
    """

    def __init__(self) -> None:
        self.staged: list[OutboundMail] = []
        self.kept: list[OutboundMail] = []

    def keep(self) -> None:
        self.kept += self.staged
        self.staged = []

    def drop(self) -> None:
        self.staged = []

    def write(self) -> None:
        self.keep()
        if self.kept:
            _write(self.kept)
        self.kept = []


_HELD: ContextVar[HeldMail | None] = ContextVar("mail_held_outbound", default=None)


@contextmanager
def held_in_batch() -> Iterator[HeldMail]:
    """Inside the block, :func:`on_ticket_change` decides as always but keeps
    the rows in the yielded :class:`HeldMail` until its ``write``."""
    held = HeldMail()
    token = _HELD.set(held)
    try:
        yield held
    finally:
        _HELD.reset(token)


# Mail recorded while a batch of received mail is processed goes out in a few
# tasks queued when the batch ends, not in one task per ticket change.
_BATCH: ContextVar[list[int] | None] = ContextVar("mail_outbound_batch", default=None)
_TEAMS: ContextVar[dict[int, list[User]] | None] = ContextVar(
    "mail_batch_team_agents", default=None
)
TASK_SIZE = 100


@contextmanager
def one_task_per_batch() -> Iterator[None]:
    """Queue the mails of every change committed inside the block together,
    at most :data:`TASK_SIZE` to a task, when the block ends. Teams' agents
    are read once in the block (a batch takes a second or two)."""
    if _BATCH.get() is not None:  # the outer block queues them
        yield
        return
    ids: list[int] = []
    token = _BATCH.set(ids)
    teams = _TEAMS.set({})
    try:
        yield
    finally:
        _TEAMS.reset(teams)
        _BATCH.reset(token)
        for start in range(0, len(ids), TASK_SIZE):
            try:
                _enqueue(ids[start : start + TASK_SIZE])
            except Exception:
                # The rows are committed: retry_outbound sends them later.
                log.exception("queueing %d outgoing mails failed", len(ids))


def _enqueue(outbound_ids: list[int]) -> None:
    batch = _BATCH.get()
    if batch is not None:
        batch.extend(outbound_ids)
        return
    from podpora.mail.tasks import send_outbound_batch

    send_outbound_batch.enqueue(outbound_ids)


def _own_addresses() -> frozenset[str]:
    from podpora.mail.intake import own_addresses

    return own_addresses()


# --- sending -----------------------------------------------------------------------------------


def _mailbox(name: str, address: str) -> str:
    """A header's name and address, quoted or encoded as one whole: a name
    such as ``Nowak: jan@evil.test,`` stays a name and never reads as a second
    address. ``formataddr`` alone is not enough, as the message re-folds its
    encoded words and can leave the colon and comma outside them."""
    return str(Address(display_name=_one_line(name), addr_spec=address))


def _one_line(value: str) -> str:
    """Whatever a sender or agent typed, a header gets one plain line."""
    return " ".join(str(value).replace("\x00", "").split())


def _link_for(ticket: Ticket, user: User) -> str:
    base = settings.PODPORA_BASE_URL
    if user.is_agent:
        try:
            return base + reverse("desk:ticket", args=[ticket.number])
        except NoReverseMatch:
            return f"{base}/desk/"
    try:
        from podpora.portal.links import follow_url

        return follow_url(ticket, user)
    except NoReverseMatch:
        return f"{base}/portal/"


def _thread_headers(ticket: Ticket, own_id: str) -> dict[str, str]:
    refs = list(
        MessageReference.objects.filter(ticket=ticket)
        .exclude(email_message_id=own_id)
        .order_by("pk")
        .values_list("email_message_id", "direction")
    )
    if not refs:
        return {}
    inbound = [mid for mid, direction in refs if direction == Direction.IN]
    parent = inbound[-1] if inbound else refs[-1][0]
    # The first and the latest: RFC 5322 asks for the whole chain, but long
    # chains get cut by servers; the ends are what threading needs.
    chain = [mid for mid, _ in refs]
    chain = chain[:1] + chain[-9:] if len(chain) > 10 else chain
    return {
        "In-Reply-To": f"<{parent}>",
        "References": " ".join(f"<{m}>" for m in chain),
    }


def _under_cap(address: str) -> bool:
    """Automatic mails to one address stay under an hourly and a daily cap, so
    a loop or someone filing requests in a victim's name cannot flood her."""
    cap = int(_setting("PODPORA_MAIL_AUTO_PER_HOUR", 10))  # type: ignore[call-overload]
    per_day = int(_setting("PODPORA_MAIL_AUTO_PER_DAY", 40))  # type: ignore[call-overload]
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    last_day = AutoMailCounter.objects.filter(
        address=address, hour__gt=hour - timedelta(hours=24)
    ).aggregate(sent=Sum("count"))["sent"]
    if (last_day or 0) >= per_day:
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                AutoMailCounter.objects.create(address=address, hour=hour, count=1)
            return True
        except IntegrityError:
            pass
        # Compare-and-set: only counts up while under the cap.
        return (
            AutoMailCounter.objects.filter(
                address=address, hour=hour, count__lt=cap
            ).update(count=F("count") + 1)
            == 1
        )


def _clock_label(clock: str) -> str:
    from django.utils.translation import gettext

    labels = {
        "first_response": gettext("first response"),
        "next_response": gettext("next response"),
        "resolution": gettext("resolution"),
    }
    return labels.get(clock, clock)


def _parse_due(value: str) -> object:
    from datetime import datetime

    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def render(outbound: OutboundMail) -> tuple[str, str, str]:
    ticket = outbound.ticket
    user = outbound.recipient_user
    language = (user.language if user else "") or settings.LANGUAGE_CODE
    message = outbound.message
    tz_name = (user.time_zone if user else "") or settings.TIME_ZONE
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(tz_name)):
        context = {
            "ticket": ticket,
            "message": message,
            "recipient": user,
            "link": _link_for(ticket, user) if user else settings.PODPORA_BASE_URL,
            "actor": outbound.context.get("actor", ""),
            "clock": _clock_label(outbound.context.get("clock", "")),
            "due": _parse_due(outbound.context.get("due", "")),
            "from_team": outbound.context.get("from_team", ""),
            "rule": outbound.context.get("rule", ""),
            "by_sla": bool(outbound.context.get("by_sla")),
            "message_html": _message_html(message),
        }
        base = f"mail/email/{outbound.kind}"
        subject = _one_line(render_to_string(f"{base}_subject.txt", context))
        text = str(render_to_string(f"{base}.txt", context))
        html = str(render_to_string(f"{base}.html", context))
    if f"[{ticket.reference}]" not in subject:
        subject = f"[{ticket.reference}] {subject}"
    return subject, text, html


def send(outbound_id: int) -> str:
    """Send one recorded mail. Safe to run twice: a compare-and-set on
    ``attempts`` lets only one worker send each attempt."""
    outbound = (
        OutboundMail.objects.select_related("ticket", "recipient_user", "message")
        .filter(pk=outbound_id)
        .first()
    )
    if outbound is None or outbound.state != OutboundState.PENDING:
        return "skipped"
    claimed = OutboundMail.objects.filter(
        pk=outbound.pk, state=OutboundState.PENDING, attempts=outbound.attempts
    ).update(attempts=outbound.attempts + 1)
    if not claimed:
        return "skipped"
    outbound.attempts += 1
    if outbound.is_automatic and not _under_cap(outbound.recipient):
        OutboundMail.objects.filter(pk=outbound.pk).update(
            state=OutboundState.SUPPRESSED,
            last_error="hourly or daily limit of automatic mails reached",
        )
        return "suppressed"
    try:
        email = _build(outbound)
        email.send()
    except Exception as exc:
        return _failed(outbound, exc)
    OutboundMail.objects.filter(pk=outbound.pk).update(
        state=OutboundState.SENT, sent_at=timezone.now(), last_error=""
    )
    if outbound.kind == Kind.REPLY and outbound.message_id:
        _set_delivery(outbound.message_id, DeliveryStatus.SENT)
    return "sent"


def _build(outbound: OutboundMail) -> EmailMultiAlternatives:
    subject, text, html = render(outbound)
    ticket = outbound.ticket
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    sender = _mailbox(name, address)
    user = outbound.recipient_user
    to = _mailbox(user.display_name if user else "", outbound.recipient)
    headers = {
        "Message-ID": f"<{outbound.email_message_id}>",
        "X-Podpora-Loop": loops.loop_token(
            outbound.email_message_id, settings.SECRET_KEY
        ),
        "X-Podpora-Ticket": str(ticket.number),
        **_thread_headers(ticket, outbound.email_message_id),
    }
    if outbound.is_automatic:
        headers["Auto-Submitted"] = "auto-replied"
        # Asks Exchange and Outlook not to answer our automatic mail with theirs.
        headers["X-Auto-Response-Suppress"] = "All"
    email = EmailMultiAlternatives(
        subject=subject, body=text, from_email=sender, to=[to], headers=headers
    )
    email.attach_alternative(html, "text/html")
    if outbound.kind == Kind.REPLY and outbound.message is not None:
        for attachment in outbound.message.attachments.all():
            with attachment.file.open("rb") as handle:
                email.attach(
                    attachment.original_name, handle.read(), attachment.content_type
                )
    return email


def _failed(outbound: OutboundMail, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    log.warning("mail %s to %s failed: %s", outbound.pk, outbound.recipient, error)
    if outbound.attempts < MAX_ATTEMPTS and not _permanent(exc):
        delay = timedelta(minutes=2 ** (outbound.attempts - 1))
        OutboundMail.objects.filter(pk=outbound.pk).update(
            last_error=error, next_attempt_at=timezone.now() + delay
        )
        return "retry"
    OutboundMail.objects.filter(pk=outbound.pk).update(
        state=OutboundState.FAILED, last_error=error
    )
    if outbound.message_id and outbound.kind == Kind.REPLY:
        # The reply counts as not delivered when its requester did not get it;
        # a refused copy is said in its own line and leaves the reply as sent.
        if outbound.recipient == outbound.ticket.requester.email:
            _set_delivery(outbound.message_id, DeliveryStatus.FAILED)
        with translation.override(settings.LANGUAGE_CODE):
            services.add_system_message(
                outbound.ticket,
                body_text=_(
                    "The reply could not be delivered to %(address)s after "
                    "%(attempts)s attempts: %(error)s"
                )
                % {
                    "address": outbound.recipient,
                    "attempts": outbound.attempts,
                    "error": error,
                },
                via="mail",
                data={"outbound": outbound.pk, "delivery_failed": True},
            )
    return "failed"


def _message_html(message: Message | None) -> str:
    """A message's body for a mail. A customer's HTML goes out with its remote
    images removed: a tracking pixel must not learn which agents read it."""
    if message is None:
        return ""
    if not message.body_html:
        return text_to_html(message.body_text)
    if message.kind == MessageKind.CUSTOMER:
        return block_remote_images(message.body_html)[0]
    return message.body_html


def _permanent(exc: Exception) -> bool:
    """A 5xx answer (unknown mailbox, refused sender) will not change by
    trying again; 4xx answers and broken connections may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def _set_delivery(message_id: int, status: str) -> None:
    services.set_delivery_status(message_id, status)


def due_for_retry(limit: int = 200) -> list[int]:
    now = timezone.now()
    # attempts == 0 and old: its task was lost (a worker died before running it).
    return list(
        OutboundMail.objects.filter(state=OutboundState.PENDING)
        .filter(
            Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(attempts=0, created_at__lte=now - timedelta(minutes=5))
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
