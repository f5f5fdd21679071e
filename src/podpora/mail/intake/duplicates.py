"""A second mail with a Message-ID already on a ticket: the same mail again,
or other content under a reused id?

One mail sent to two of our addresses arrives twice with different transport
headers (``Received``, ``Delivered-To``, ``Authentication-Results``) and the
same body: the second copy is a duplicate and makes nothing new. A mail whose
body differs is other content — a client or device that reuses its ids, a
list that added a footer, a forged id — and is imported as if its id were
new, with a system line on its ticket naming the earlier mail, so nothing
anyone wrote is dropped unseen. It is imported rather than held: the people
on the ticket see it where they work (``/mail/`` is for administrators), and
a mail that would write into someone's open ticket still has to pass the
sender check like any other.
"""

from __future__ import annotations

import hashlib
import re

from django.utils.translation import gettext as _

from podpora.mail.models import InboundMail
from podpora.tickets import services
from podpora.tickets.models import Message, Ticket

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_EARLIER_COPIES = 20  # read at most this many earlier raw copies


def content_digest(raw: bytes) -> str:
    """SHA-256 of the body: everything after the header block, with line
    ends and trailing white space normalised (relays rewrite both)."""
    end = _HEADER_END.search(raw)
    body = raw[end.end() :] if end else b""
    lines = body.replace(b"\r\n", b"\n").split(b"\n")
    return hashlib.sha256(
        b"\n".join(line.rstrip() for line in lines).strip()
    ).hexdigest()


def same_content_stored(inbound: InboundMail, raw: bytes) -> bool:
    """Whether an earlier mail with this Message-ID (any mailbox) had this body."""
    digest = content_digest(raw)
    earlier = (
        InboundMail.objects.filter(email_message_id=inbound.email_message_id)
        .exclude(pk=inbound.pk)
        .order_by("pk")[:_EARLIER_COPIES]
    )
    for row in earlier:
        try:
            with row.raw.open("rb") as handle:
                if content_digest(handle.read()) == digest:
                    return True
        except (OSError, ValueError):
            continue  # no raw copy left to compare: not the same, as far as we know
    return False


def note_reused_id(
    message: Message, message_id: str, earlier: tuple[int, int], via: str
) -> None:
    """Say on the ticket that ``message`` came under an id already used."""
    ticket_id, message_pk = earlier
    number = (
        Ticket.objects.filter(pk=ticket_id).values_list("number", flat=True).first()
    )
    data = {"mail": {"reused_message_id": message_id, "earlier_message": message_pk}}
    services.add_system_message(
        message.ticket,
        body_text=_(
            "This mail has the Message-ID <%(id)s> of an earlier mail "
            "(ticket #%(number)s) but other content; both are kept."
        )
        % {"id": message_id, "number": number},
        via=via,
        data=data,
        is_automatic=True,
    )
