"""From raw bytes to the right ticket, with nothing lost and nothing twice.

1. :func:`store` writes the raw mail and its log row and commits: from here
   on the mail cannot be lost, whatever happens next.
2. :func:`process` parses it, recognises robots and loops, finds the thread
   and the sender and writes the ticket in ONE transaction that also marks
   the log row processed, so a crash leaves either both or neither.
3. Anything that goes wrong is written on the log row (``failed`` with the
   reason, or ``held`` for review) and listed for administrators, who can
   retry, accept or discard it (``mail.views``).

IMAP polling and the pipe command both call :func:`receive`; so does the bench.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.accounts.models import User, normalize_email
from podpora.accounts.services import get_or_create_customer, organization_for_email
from podpora.mail import loops, parsing, quotes
from podpora.mail.models import (
    Direction,
    InboundMail,
    InboundState,
    Mailbox,
    MessageReference,
    UnknownSenders,
)
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Channel, LinkKind, Message, Status, Ticket

log = logging.getLogger(__name__)

_TAG = re.compile(r"\[(?:[^\[\]#]{0,40}\s)?#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|odp|pd|sv|vs|tr)\s*(\[\d+\])?\s*:\s*)+", re.I
)
_MAX_CC = 20


class TemporaryFailure(Exception):
    """The database or storage is unavailable: the mail server should retry."""


@dataclass(frozen=True)
class Thread:
    ticket: Ticket | None
    reason: str = ""
    ignored_tag: int | None = None


# --- settings -------------------------------------------------------------------------------


def max_mail_bytes() -> int:
    return int(getattr(settings, "PODPORA_MAIL_MAX_BYTES", 50 * 1024 * 1024))


_OWN_CACHE: dict[str, tuple[float, frozenset[str]]] = {}
_OWN_TTL = 30.0


def own_addresses() -> frozenset[str]:
    """Every address of ours: a copy to one of them is not a CC, and we never
    send automatic mail to it. Cached briefly: it is read for every mail."""
    now = time.monotonic()
    cached = _OWN_CACHE.get("all")
    if cached and now - cached[0] < _OWN_TTL:
        return cached[1]
    found = {a for box in Mailbox.objects.only("addresses") for a in box.address_list}
    found |= {a for _n, a in parsing._addresses([settings.DEFAULT_FROM_EMAIL])}
    result = frozenset(found)
    _OWN_CACHE["all"] = (now, result)
    return result


def forget_own_addresses() -> None:
    _OWN_CACHE.clear()


def own_message_id_domain() -> str:
    return str(getattr(settings, "PODPORA_MAIL_MESSAGE_ID_DOMAIN", "podpora.mail"))


# --- step 1: store ------------------------------------------------------------------------

_HEADER_MESSAGE_ID = re.compile(
    rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M
)


def _quick_message_id(raw: bytes) -> str:
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    match = _HEADER_MESSAGE_ID.search(head)
    if match:
        ids = parsing.message_ids(match.group(1).decode("ascii", errors="replace"))
        if ids:
            return ids[0]
    return parsing.synthetic_message_id(raw)


def store(
    mailbox: Mailbox,
    raw: bytes,
    *,
    imap_uid: int | None = None,
    imap_uidvalidity: int | None = None,
) -> tuple[InboundMail, bool]:
    """The log row for these bytes, created and committed if new."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = _quick_message_id(raw)
    try:
        inbound = InboundMail(
            mailbox=mailbox,
            email_message_id=message_id,
            sha256=digest,
            size=len(raw),
            imap_uid=imap_uid,
            imap_uidvalidity=imap_uidvalidity,
        )
        # Insert first and let the unique key catch a repeat: repeats are rare,
        # and the key (not a read before the write) is what holds under races.
        inbound.raw.save("mail.eml", ContentFile(raw), save=False)
        try:
            with transaction.atomic():
                inbound.save()
        except IntegrityError:
            inbound.raw.delete(save=False)
            return InboundMail.objects.get(
                mailbox=mailbox, email_message_id=message_id, sha256=digest
            ), False
        return inbound, True
    except (DatabaseError, OSError) as exc:
        raise TemporaryFailure(str(exc)) from exc


def receive(
    mailbox: Mailbox,
    raw: bytes,
    *,
    imap_uid: int | None = None,
    imap_uidvalidity: int | None = None,
) -> InboundMail:
    """Store, then process. Safe to call again with the same bytes."""
    inbound, created = store(
        mailbox, raw, imap_uid=imap_uid, imap_uidvalidity=imap_uidvalidity
    )
    if not created and inbound.state != InboundState.STORED:
        return inbound
    return process(inbound, raw=raw)


# --- step 2: process -----------------------------------------------------------------------


def _read_raw(inbound: InboundMail) -> bytes:
    with inbound.raw.open("rb") as handle:
        return handle.read()


def process(
    inbound: InboundMail, *, raw: bytes | None = None, accept: bool = False
) -> InboundMail:
    """Turn a stored mail into a ticket or a message; ``accept`` overrides a hold."""
    try:
        raw = raw if raw is not None else _read_raw(inbound)
    except OSError as exc:
        raise TemporaryFailure(str(exc)) from exc
    now = timezone.now()
    try:
        with transaction.atomic():
            # The claim is a compare-and-set on the state: it takes the row's
            # write lock, so two workers never process one mail.
            claimed = InboundMail.objects.filter(
                pk=inbound.pk, state=InboundState.STORED
            ).update(attempts=F("attempts") + 1)
            if not claimed:
                inbound.refresh_from_db()
                return inbound
            inbound.attempts += 1
            _process_locked(inbound, raw, accept=accept)
            inbound.processed_at = now
            inbound.save(update_fields=_RESULT_FIELDS)
            return inbound
    except DatabaseError as exc:
        raise TemporaryFailure(str(exc)) from exc
    except (TicketError, AccountError) as exc:
        reason = getattr(exc, "message", "") or str(exc)
        return _mark(inbound, InboundState.FAILED, reason)
    except Exception as exc:
        log.exception("mail %s could not be processed", inbound.pk)
        return _mark(
            inbound,
            InboundState.FAILED,
            _("Unexpected error: %(error)s")
            % {"error": f"{type(exc).__name__}: {exc}"},
        )


_RESULT_FIELDS = [
    "state",
    "reason",
    "problems",
    "from_address",
    "subject",
    "sender_kind",
    "ticket",
    "message",
    "processed_at",
]


def _mark(inbound: InboundMail, state: str, reason: str) -> InboundMail:
    InboundMail.objects.filter(pk=inbound.pk).update(
        state=state, reason=reason[:2000], attempts=F("attempts") + 1
    )
    inbound.refresh_from_db()
    return inbound


def _process_locked(inbound: InboundMail, raw: bytes, *, accept: bool) -> None:
    mailbox = inbound.mailbox
    if len(raw) > max_mail_bytes() and not accept:
        inbound.state = InboundState.HELD
        inbound.reason = _(
            "The mail is larger than the limit of %(limit)s MB; it is kept unread."
        ) % {"limit": max_mail_bytes() // (1024 * 1024)}
        return
    parsed = parsing.parse(
        raw, max_attachment_bytes=settings.PODPORA_MAX_ATTACHMENT_BYTES
    )
    inbound.problems = parsed.problems[:50]
    inbound.from_address = parsed.from_address[:254]
    inbound.subject = parsed.subject[:255]
    if not parsed.ok:
        inbound.state = InboundState.FAILED
        inbound.reason = parsed.failure
        return
    kind = loops.classify(
        parsed,
        secret=settings.SECRET_KEY,
        own_domains=(own_message_id_domain(),),
    )
    inbound.sender_kind = kind.value
    automatic = loops.is_automatic(kind)
    message_id = parsed.message_id or inbound.email_message_id

    duplicate = _already_delivered(parsed)
    if duplicate is not None:
        inbound.state = InboundState.DUPLICATE
        inbound.reason = _("The same mail already arrived through another address.")
        inbound.ticket_id = duplicate.ticket_id
        inbound.message = duplicate
        return

    sender = User.objects.filter(email=normalize_email(parsed.from_address)).first()
    thread = find_thread(
        parsed, sender, raw=raw if kind is loops.Sender.BOUNCE else b""
    )
    if (
        thread.ticket is None
        and kind in {loops.Sender.BOUNCE, loops.Sender.LOOP}
        and not accept
    ):
        inbound.state = InboundState.IGNORED
        inbound.reason = _(
            "A bounce or one of our own mails that belongs to no ticket."
        )
        return
    if sender is None:
        if (
            not accept
            and mailbox.unknown_senders == UnknownSenders.HOLD
            and organization_for_email(parsed.from_address) is None
        ):
            inbound.state = InboundState.HELD
            inbound.reason = _(
                "The sender %(address)s belongs to no organisation; "
                "held for review by the mailbox's setting."
            ) % {"address": parsed.from_address}
            return
        sender, _created = get_or_create_customer(
            parsed.from_address, full_name=parsed.from_name
        )
    files = [
        services.IncomingFile(
            name=a.name,
            content=a.content,
            declared_type=a.content_type,
            content_id=a.content_id,
            inline=a.inline,
        )
        for a in parsed.attachments
    ]
    data = {
        "mail": {
            "inbound": inbound.pk,
            "mailbox": mailbox.name,
            "from": parsed.from_address,
            "to": [a for _n, a in parsed.to],
            "cc": [a for _n, a in parsed.cc],
            "sender_kind": kind.value,
            "problems": parsed.problems[:20],
        }
    }
    if thread.ignored_tag:
        data["mail"]["ignored_tag"] = thread.ignored_tag
    ticket = thread.ticket
    if ticket is not None and ticket.status == Status.CLOSED:
        message = _follow_up(ticket, parsed, sender, files, message_id, automatic, data)
    elif ticket is not None:
        message = _add_to_thread(
            mailbox,
            ticket,
            parsed,
            sender,
            files,
            message_id,
            automatic,
            thread.reason,
            data,
        )
    else:
        message = _open(mailbox, parsed, sender, files, message_id, automatic, data)
    MessageReference.objects.create(
        email_message_id=message_id,
        ticket_id=message.ticket_id,
        message=message,
        direction=Direction.IN,
    )
    inbound.state = InboundState.PROCESSED
    inbound.reason = ""
    inbound.ticket_id = message.ticket_id
    inbound.message = message


def _already_delivered(parsed: parsing.ParsedMail) -> Message | None:
    """The same mail (same Message-ID and sender) sent to two of our addresses."""
    if not parsed.message_id:
        return None
    return (
        Message.objects.filter(
            email_message_id=parsed.message_id,
            author__email=normalize_email(parsed.from_address),
        )
        .only("pk", "ticket_id")
        .first()
    )


# --- threading ----------------------------------------------------------------------------


def _current(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


_ANY_MESSAGE_ID = re.compile(rb"<([^<>\s]{3,250}@[^<>\s]{1,250})>")


def find_thread(
    parsed: parsing.ParsedMail, sender: User | None, *, raw: bytes = b""
) -> Thread:
    """Which ticket a mail belongs to, and why.

    Headers first (In-Reply-To, then References, newest first): a Message-ID
    is only known to people who received the thread. Then our subject tag,
    but only from someone who is on that ticket; a stranger's number opens a
    new ticket instead of writing into someone else's.
    """
    ids = parsed.thread_ids
    if ids:
        refs = {
            r.email_message_id: r
            for r in MessageReference.objects.filter(email_message_id__in=ids)
            .select_related("ticket")
            .order_by("pk")
        }
        for mid in ids:
            if mid in refs:
                header = "In-Reply-To" if mid in parsed.in_reply_to else "References"
                return Thread(_current(refs[mid].ticket), f"{header}: <{mid}>")
    if raw:
        # A bounce quotes the headers of the mail that failed: find ours.
        quoted = [m.decode("ascii", "replace") for m in _ANY_MESSAGE_ID.findall(raw)]
        ref = (
            MessageReference.objects.filter(
                email_message_id__in=quoted[:200], direction=Direction.OUT
            )
            .select_related("ticket")
            .first()
        )
        if ref:
            return Thread(_current(ref.ticket), f"Bounce of <{ref.email_message_id}>")
    match = _TAG.search(parsed.subject)
    if match:
        number = int(match.group(1))
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is not None:
            ticket = _current(ticket)
            if sender is not None and _is_party(ticket, sender):
                return Thread(ticket, f"Subject tag #{number}")
            return Thread(None, ignored_tag=number)
    return Thread(None)


def _is_party(ticket: Ticket, user: User) -> bool:
    if user.pk == ticket.requester_id or user.is_agent:
        return True
    return ticket.cc.filter(pk=user.pk).exists()


# --- writing ---------------------------------------------------------------------------------


def clean_subject(subject: str) -> str:
    subject = _TAG.sub("", subject)
    subject = " ".join(subject.split())
    return subject or _("(no subject)")


def _cc_users(parsed: parsing.ParsedMail, sender: User, mailbox: Mailbox) -> list[User]:
    ours = own_addresses()
    wanted = []
    for _name, address in [*parsed.to, *parsed.cc]:
        if address in ours or address == sender.email or address in wanted:
            continue
        wanted.append(address)
    users = []
    names = {a: n for n, a in [*parsed.to, *parsed.cc]}
    for address in wanted[:_MAX_CC]:
        try:
            user, _created = get_or_create_customer(
                address, full_name=names.get(address, "")
            )
        except AccountError:
            continue
        users.append(user)
    return users


def _open(
    mailbox: Mailbox,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    data: dict,
    *,
    subject: str | None = None,
) -> Message:
    ticket = services.open_ticket(
        subject=subject or clean_subject(parsed.subject),
        requester=sender,
        channel=Channel.EMAIL,
        body_text=parsed.text or _("(no text)"),
        body_html=parsed.html,
        team=mailbox.default_team,
        cc=_cc_users(parsed, sender, mailbox),
        files=files,
        email_message_id=message_id,
        message_data=data,
        is_automatic=automatic,
        via=f"mail:{mailbox.name}",
    )
    return ticket.messages.order_by("pk").first()  # type: ignore[return-value]


def _add_to_thread(
    mailbox: Mailbox,
    ticket: Ticket,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    reason: str,
    data: dict,
) -> Message:
    visible, trimmed = quotes.split_reply(parsed.text)
    if trimmed:
        data["mail"]["full_text"] = parsed.text
    body_html = parsed.html_reply
    via = f"mail:{data['mail']['mailbox']}"
    if sender.is_agent:
        # An agent answering by mail writes a note: a reply would go out to the
        # customer, which a quick mail from a phone should never do by accident.
        return services.add_note(
            ticket,
            author=sender,
            body_text=visible or _("(no text)"),
            body_html=body_html,
            files=files,
            via=via,
        )
    return services.add_customer_message(
        ticket,
        author=sender,
        body_text=visible or _("(no text)"),
        body_html=body_html,
        files=files,
        channel=Channel.EMAIL,
        email_message_id=message_id,
        is_automatic=automatic,
        thread_reason=reason,
        data=data,
        # Whom the customer copied joins the ticket's CC (a machine's copies
        # do not); agents are on the ticket anyway.
        cc=()
        if automatic
        else [u for u in _cc_users(parsed, sender, mailbox) if not u.is_agent],
        via=via,
    )


def _follow_up(
    closed: Ticket,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    data: dict,
) -> Message:
    """A reply to a closed ticket opens a new one, linked to the old."""
    data["mail"]["follow_up_of"] = closed.number
    data["mail"]["thread_reason"] = f"Follow-up of closed ticket #{closed.number}"
    mailbox = Mailbox.objects.get(name=data["mail"]["mailbox"])
    subject = clean_subject(_REPLY_PREFIX.sub("", parsed.subject)) or closed.subject
    message = _open(
        mailbox, parsed, sender, files, message_id, automatic, data, subject=subject
    )
    services.link_tickets(
        closed,
        message.ticket,
        kind=LinkKind.RELATED,
        actor=None,
        via="mail",
    )
    return message


# --- administrators' actions --------------------------------------------------------------------


def retry(inbound: InboundMail) -> InboundMail:
    if inbound.state in {InboundState.FAILED, InboundState.STORED}:
        InboundMail.objects.filter(pk=inbound.pk).update(state=InboundState.STORED)
        inbound.refresh_from_db()
        return process(inbound)
    return inbound


def accept(inbound: InboundMail) -> InboundMail:
    if inbound.state in {InboundState.HELD, InboundState.IGNORED}:
        InboundMail.objects.filter(pk=inbound.pk).update(state=InboundState.STORED)
        inbound.refresh_from_db()
        return process(inbound, accept=True)
    return inbound


def discard(inbound: InboundMail) -> InboundMail:
    if inbound.state in {
        InboundState.HELD,
        InboundState.FAILED,
        InboundState.IGNORED,
        InboundState.STORED,
    }:
        InboundMail.objects.filter(pk=inbound.pk).update(state=InboundState.DISCARDED)
        inbound.refresh_from_db()
    return inbound
