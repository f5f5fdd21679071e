"""The mail world: two mailboxes, an open and a closed ticket with known
Message-IDs, so corpus mails can reply to them."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from podpora.mail.models import Direction, Mailbox, MessageReference, UnknownSenders
from podpora.tickets import services
from podpora.tickets.models import Channel, Status, Ticket

CORPUS = Path(__file__).parent / "corpus"


@dataclass
class MailWorld:
    support: Mailbox
    strict: Mailbox
    open_ticket: Ticket
    closed_ticket: Ticket

    def fill(self, raw: bytes) -> bytes:
        return raw.replace(b"{OPEN}", str(self.open_ticket.number).encode()).replace(
            b"{CLOSED}", str(self.closed_ticket.number).encode()
        )


@pytest.fixture
def support_mailbox(db, service_desk) -> Mailbox:
    return Mailbox.objects.create(
        name="support",
        kind="pipe",
        addresses="support@podpora.test\nhelpdesk@podpora.test",
        default_team=service_desk,
    )


@pytest.fixture
def world(support_mailbox, adam, anna, bara, tomasz) -> MailWorld:
    strict = Mailbox.objects.create(
        name="strict",
        kind="pipe",
        addresses="office@podpora.test",
        unknown_senders=UnknownSenders.HOLD,
    )
    open_ticket = services.open_ticket(
        subject="Drukarka w magazynie nie drukuje",
        requester=adam,
        channel=Channel.EMAIL,
        body_text="Drukarka w magazynie pokazuje błąd 50.4.",
        email_message_id="printer-1@kowalski.pl",
        cc=[anna],
    )
    MessageReference.objects.create(
        email_message_id="printer-1@kowalski.pl",
        ticket=open_ticket,
        direction=Direction.IN,
    )
    MessageReference.objects.create(
        email_message_id="ack-open@podpora.mail",
        ticket=open_ticket,
        direction=Direction.OUT,
    )
    closed = services.open_ticket(
        subject="VPN nefunguje",
        requester=bara,
        channel=Channel.EMAIL,
        body_text="VPN se nepřipojí.",
    )
    services.close_ticket(closed, actor=tomasz)
    MessageReference.objects.create(
        email_message_id="ack-closed@podpora.mail",
        ticket=closed,
        direction=Direction.OUT,
    )
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    return MailWorld(support_mailbox, strict, open_ticket, closed)


# --- a real SMTP server (aiosmtpd) --------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.messages: list = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 try again later"
        import email
        from email import policy

        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, parsed))
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """aiosmtpd listening on 127.0.0.1; our MAILERS point at it."""
    from aiosmtpd.controller import Controller

    handler = _Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    try:
        yield handler
    finally:
        controller.stop()
