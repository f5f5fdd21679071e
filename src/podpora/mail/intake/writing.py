"""What a mail becomes: a new ticket, a message on its ticket's thread (a
note when an agent writes), or a new ticket that follows up a closed one."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.accounts.models import User
from podpora.mail import parsing, quotes
from podpora.mail.intake.config import own_addresses
from podpora.mail.intake.lookups import _TAG, Lookups
from podpora.mail.models import Mailbox
from podpora.tickets import services
from podpora.tickets.models import Channel, LinkKind, Message, Ticket

_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|odp|pd|sv|vs|tr)\s*(\[\d+\])?\s*:\s*)+", re.I
)
_MAX_CC = 20


def clean_subject(subject: str) -> str:
    subject = _TAG.sub("", subject)
    subject = " ".join(subject.split())
    return subject or _("(no subject)")


def _cc_users(parsed: parsing.ParsedMail, sender: User, lookups: Lookups) -> list[User]:
    ours = own_addresses()
    wanted = []
    for _name, address in [*parsed.to, *parsed.cc]:
        if address in ours or address == sender.email or address in wanted:
            continue
        wanted.append(address)
    users = []
    names = {a: n for n, a in [*parsed.to, *parsed.cc]}
    lookups.preload(wanted[:_MAX_CC])
    for address in wanted[:_MAX_CC]:
        try:
            users.append(lookups.customer(address, names.get(address, "")))
        except AccountError:
            continue
    return users


def _open(
    mailbox: Mailbox,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    data: dict,
    lookups: Lookups,
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
        cc=_cc_users(parsed, sender, lookups),
        files=files,
        email_message_id=message_id,
        message_data=data,
        is_automatic=automatic,
        via=f"mail:{mailbox.name}",
    )
    return ticket.messages.order_by("pk").first()  # type: ignore[return-value]


def _add_to_thread(
    ticket: Ticket,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    reason: str,
    data: dict,
    lookups: Lookups,
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
        else [u for u in _cc_users(parsed, sender, lookups) if not u.is_agent],
        via=via,
    )


def _follow_up(
    mailbox: Mailbox,
    closed: Ticket,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    data: dict,
    lookups: Lookups,
) -> Message:
    """A reply to a closed ticket opens a new one, linked to the old."""
    data["mail"]["follow_up_of"] = closed.number
    data["mail"]["thread_reason"] = f"Follow-up of closed ticket #{closed.number}"
    subject = clean_subject(_REPLY_PREFIX.sub("", parsed.subject)) or closed.subject
    message = _open(
        mailbox,
        parsed,
        sender,
        files,
        message_id,
        automatic,
        data,
        lookups,
        subject=subject,
    )
    services.link_tickets(
        closed,
        message.ticket,
        kind=LinkKind.RELATED,
        actor=None,
        via="mail",
    )
    return message
