"""The mail channel's part of the demo: a pipe mailbox, and in its log a
forged mail held as "Unverified sender" for an administrator to decide on
(``/mail/``). Loading the demo again adds nothing twice."""

from podpora.mail import intake
from podpora.mail.models import InboundMail, Mailbox
from podpora.tickets.models import Ticket

_FORGED_ID = "forged-demo@evil.example"


def load() -> None:
    mailbox, _created = Mailbox.objects.get_or_create(
        name="support",
        defaults={"kind": "pipe", "addresses": "support@podpora.demo"},
    )
    ticket = Ticket.objects.filter(requester__email="tomasz@podpora.demo").first()
    ticket = ticket or Ticket.objects.order_by("-number").first()
    if (
        ticket is None
        or InboundMail.objects.filter(email_message_id=_FORGED_ID).exists()
    ):
        return
    # Claims to be an agent and names a ticket, with no proof of either.
    intake.receive(
        mailbox,
        (
            "From: Tomasz Wiśniewski <tomasz@podpora.demo>\n"
            "To: support@podpora.demo\n"
            f"Subject: Re: [#{ticket.number}] {ticket.subject}\n"
            f"Message-ID: <{_FORGED_ID}>\n"
            "Content-Type: text/plain; charset=utf-8\n\n"
            "Proszę zamknąć zgłoszenie i przesłać hasło administratora.\n"
        ).encode(),
    )
