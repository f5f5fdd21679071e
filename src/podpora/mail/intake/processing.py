"""Step 2 for one claimed mail of a batch (``batch``): parse it, recognise
robots and loops, find the thread and the sender and write the ticket, in
the batch's transaction that also marks the log row."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.translation import gettext as _

from podpora.accounts.models import User
from podpora.accounts.services import organization_for_email
from podpora.mail import authenticity, loops, notifications, parsing
from podpora.mail.intake.config import max_mail_bytes
from podpora.mail.intake.duplicates import note_reused_id, same_content_stored
from podpora.mail.intake.lookups import Lookups
from podpora.mail.intake.threads import Thread, find_thread
from podpora.mail.intake.writing import _add_to_thread, _follow_up, _open
from podpora.mail.models import (
    InboundMail,
    InboundState,
    Mailbox,
    OutboundMail,
    UnknownSenders,
)
from podpora.tickets import services
from podpora.tickets.models import DeliveryStatus, Message, Status

log = logging.getLogger(__name__)


def _read_raw(inbound: InboundMail) -> bytes:
    with inbound.raw.open("rb") as handle:
        return handle.read()


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


def _too_big(raw: bytes, accept: bool) -> bool:
    return len(raw) > max_mail_bytes() and not accept


def _parse(raw: bytes) -> parsing.ParsedMail:
    return parsing.parse(
        raw, max_attachment_bytes=settings.PODPORA_MAX_ATTACHMENT_BYTES
    )


def _process_locked(
    inbound: InboundMail,
    raw: bytes,
    *,
    accept: bool,
    parsed: parsing.ParsedMail | None = None,
    lookups: Lookups | None = None,
) -> None:
    """Decide and write one claimed mail. ``parsed`` and ``lookups`` come
    from a batch, which parsed and looked up all its mails at once."""
    mailbox = inbound.mailbox
    lookups = lookups or Lookups()
    if _too_big(raw, accept):
        inbound.state = InboundState.HELD
        inbound.reason = _(
            "The mail is larger than the limit of %(limit)s MB; it is kept unread."
        ) % {"limit": max_mail_bytes() // (1024 * 1024)}
        return
    parsed = parsed or _parse(raw)
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
        own_domains=(notifications.message_id_domain(),),
    )
    inbound.sender_kind = kind.value
    automatic = loops.is_automatic(kind)
    message_id = parsed.message_id or inbound.email_message_id

    duplicate = lookups.delivered(parsed)
    if duplicate is not None and same_content_stored(inbound, raw):
        inbound.state = InboundState.DUPLICATE
        inbound.reason = _("The same mail already arrived through another address.")
        inbound.ticket_id, inbound.message_id = duplicate
        return

    sender = lookups.user(parsed.from_address)
    thread = find_thread(
        parsed,
        sender,
        raw=raw if kind is loops.Sender.BOUNCE else b"",
        lookups=lookups,
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
    if parsed.body_cut:
        parsed.text += "\n\n" + _(
            "[This message was %(length)s characters long and is cut here; "
            "the whole message is attached as %(name)s.]"
        ) % {"length": parsed.body_cut, "name": parsed.attachments[0].name}
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
    if thread.ticket is not None and kind in _RETURNED:
        message = _record_returned_mail(thread, parsed, kind, files, data)
        lookups.received(message, message_id, author=parsed.from_address)
        inbound.state = InboundState.PROCESSED
        inbound.reason = ""
        inbound.ticket_id = message.ticket_id
        inbound.message = message
        return
    if not accept and mailbox.verify_senders:
        doubt = _sender_doubt(mailbox, parsed, sender, thread)
        if doubt:
            inbound.state = InboundState.HELD
            inbound.reason = doubt
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
        if not parsed.from_address:
            inbound.state = InboundState.FAILED
            inbound.reason = _(
                "A mail server's report without a sender address: "
                "there is nobody to open a ticket for."
            )
            return
        sender = lookups.customer(parsed.from_address, parsed.from_name)
    ticket = thread.ticket
    if ticket is not None and ticket.status == Status.CLOSED:
        message = _follow_up(
            mailbox, ticket, parsed, sender, files, message_id, automatic, data, lookups
        )
    elif ticket is not None:
        message = _add_to_thread(
            ticket,
            parsed,
            sender,
            files,
            message_id,
            automatic,
            thread.reason,
            data,
            lookups,
        )
    else:
        message = _open(
            mailbox, parsed, sender, files, message_id, automatic, data, lookups
        )
    if duplicate is not None:  # the same Message-ID with other content
        note_reused_id(message, message_id, duplicate, via=f"mail:{mailbox.name}")
    lookups.received(message, message_id, author=parsed.from_address)
    inbound.state = InboundState.PROCESSED
    inbound.reason = ""
    inbound.ticket_id = message.ticket_id
    inbound.message = message


_RETURNED = frozenset({loops.Sender.BOUNCE, loops.Sender.LOOP})


def _answers_thread_it_saw(parsed: parsing.ParsedMail) -> bool:
    """The mail answers one we sent to its From address, or one that address
    sent us: Message-IDs only the people on that thread have seen."""
    ids = parsed.thread_ids[:50]
    if not ids:
        return False
    address = parsed.from_address
    return (
        OutboundMail.objects.filter(
            email_message_id__in=ids, recipient=address
        ).exists()
        or Message.objects.filter(
            email_message_id__in=ids, author__email=address
        ).exists()
    )


def _sender_doubt(
    mailbox: Mailbox, parsed: parsing.ParsedMail, sender: User | None, thread: Thread
) -> str:
    """Why a mail that would act as an agent, or write into an existing ticket
    as one of its people, cannot be believed; "" when it can.

    A From header is whatever the sender typed. Believed are a pass from our
    own receiving server (``mail.authenticity``), or an answer to a mail we
    sent to exactly that address (or that it sent us): only who reads that
    mailbox knows those Message-IDs.
    """
    as_agent = sender is not None and sender.is_agent
    # A closed ticket's follow-up opens a new ticket, as any stranger may.
    into_ticket = thread.ticket is not None and thread.ticket.status != Status.CLOSED
    if not (as_agent or into_ticket):
        return ""
    check = authenticity.check_sender(
        parsed.from_address,
        mailbox.trusted_ids,
        parsed.authentication_results,
        parsed.arc_results,
    )
    if check.verdict is authenticity.Verdict.VERIFIED:
        return ""
    answers_us = _answers_thread_it_saw(parsed)
    if answers_us and check.verdict is not authenticity.Verdict.FAILED:
        return ""
    if check.verdict is authenticity.Verdict.FAILED:
        why = _(
            "the receiving server says it is not from that domain (%(results)s)"
        ) % {"results": check.detail}
    else:
        why = _("it was not verified and answers no mail we sent to that address")
    if as_agent:
        return _(
            "Unverified sender: the mail claims to be from the agent %(address)s, "
            "but %(why)s."
        ) % {"address": parsed.from_address, "why": why}
    return _(
        "Unverified sender: the mail would be added to ticket #%(number)s as "
        "%(address)s, but %(why)s."
    ) % {
        "number": thread.ticket.number if thread.ticket else "",
        "address": parsed.from_address,
        "why": why,
    }


def _record_returned_mail(
    thread: Thread,
    parsed: parsing.ParsedMail,
    kind: loops.Sender,
    files: list[services.IncomingFile],
    data: dict,
) -> Message:
    """A bounce or our own mail come back: a system line on its ticket, never
    a customer's message (mailer-daemon and our own address are nobody's
    account), and the reply it reports on is marked as not delivered."""
    assert thread.ticket is not None
    if kind is loops.Sender.BOUNCE:
        lead = _("A mail server reports that our mail could not be delivered:")
    else:
        lead = _("One of our own mails came back to this mailbox:")
    message = services.add_system_message(
        thread.ticket,
        body_text=f"{lead}\n\n{parsed.subject}\n\n{parsed.text}".strip(),
        via=f"mail:{data['mail']['mailbox']}",
        data=data,
        files=files,
        thread_reason=thread.reason,
        is_automatic=True,
    )
    if kind is loops.Sender.BOUNCE and thread.bounced_message_id:
        services.set_delivery_status(thread.bounced_message_id, DeliveryStatus.FAILED)
    return message
