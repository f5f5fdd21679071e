"""Which ticket a mail belongs to: the Message-IDs in its headers, the mail
of ours a bounce quotes, our subject tag."""

from __future__ import annotations

import re
from dataclasses import dataclass

from podpora.accounts.models import User
from podpora.mail import parsing
from podpora.mail.intake.lookups import _TAG, Lookups
from podpora.mail.models import Direction, MessageReference
from podpora.tickets.models import Ticket


@dataclass(frozen=True)
class Thread:
    ticket: Ticket | None
    reason: str = ""
    ignored_tag: int | None = None
    # The message of ours that a bounce reports on, when we know it.
    bounced_message_id: int | None = None


def _current(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


_ANY_MESSAGE_ID = re.compile(rb"<([^<>\s]{3,250}@[^<>\s]{1,250})>")


def find_thread(
    parsed: parsing.ParsedMail,
    sender: User | None,
    *,
    raw: bytes = b"",
    lookups: Lookups | None = None,
) -> Thread:
    """Which ticket a mail belongs to, and why.

    Headers first (In-Reply-To, then References, newest first): a Message-ID
    is only known to people who received the thread. Then our subject tag,
    but only from someone who is on that ticket; a stranger's number opens a
    new ticket instead of writing into someone else's.
    """
    lookups = lookups or Lookups()
    ids = parsed.thread_ids
    if ids:
        refs = lookups.references(ids)
        for mid in ids:
            if mid in refs:
                header = "In-Reply-To" if mid in parsed.in_reply_to else "References"
                return Thread(_current(refs[mid]), f"{header}: <{mid}>")
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
            return Thread(
                _current(ref.ticket),
                f"Bounce of <{ref.email_message_id}>",
                bounced_message_id=ref.message_id,
            )
    match = _TAG.search(parsed.subject)
    if match:
        number = int(match.group(1))
        ticket = lookups.ticket_numbered(number)
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
