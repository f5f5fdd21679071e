"""The mail world: two mailboxes, an open and a closed ticket with known
Message-IDs, so corpus mails can reply to them."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from podpora.mail.models import (
    Direction,
    Mailbox,
    MessageReference,
    OutboundMail,
    UnknownSenders,
)
from podpora.tickets import services
from podpora.tickets.models import Channel, Status, Ticket

CORPUS = Path(__file__).parent / "corpus"


@contextmanager
def killed_at_mail(n: int) -> Iterator[None]:
    """The worker process dies while it processes the ``n``-th mail, alone or
    in a batch (each of the two modules calls the function it imported)."""
    from podpora.mail.intake import batch, processing

    real = processing._process_locked
    calls = {"n": 0}

    def die(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    with (
        mock.patch.object(processing, "_process_locked", die),
        mock.patch.object(batch, "_process_locked", die),
        pytest.raises(KeyboardInterrupt),
    ):
        yield


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
    # Our receiving server's name: the corpus mails it verified carry its
    # Authentication-Results.
    support_mailbox.trusted_authserv_ids = "mx.podpora.test"
    support_mailbox.save()
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
    # The acknowledgement behind that reference, as sending records it: an
    # answer to it proves its sender reads Adam's mailbox.
    OutboundMail.objects.create(
        ticket=open_ticket,
        kind="acknowledgement",
        email_message_id="ack-open@podpora.mail",
        recipient="adam@kowalski.pl",
        recipient_user=adam,
        state="sent",
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
        self.unknown: set[str] = set()  # addresses answered "550 no such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

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


# --- a real IMAP server (Dovecot) -----------------------------------------------------

DOVECOT = "/usr/sbin/dovecot"
IMAP_USER = "support@podpora.test"
IMAP_PASSWORD = "imap-test-password"


@dataclass
class ImapServer:
    port: int
    root: Path

    def connect(self):
        import imaplib

        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        connection.login(IMAP_USER, IMAP_PASSWORD)
        return connection

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        connection = self.connect()
        try:
            status, _ = connection.append(
                folder, None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            )
            assert status == "OK"
        finally:
            connection.logout()

    def uids(self, folder: str = "INBOX", *criteria: str) -> list[int]:
        connection = self.connect()
        try:
            connection.select(folder)
            _, data = connection.uid("SEARCH", None, *(criteria or ("ALL",)))
            return [int(u) for u in b" ".join(data).split()]
        finally:
            connection.logout()


@pytest.fixture
def dovecot():
    """Our own Dovecot on a free port with a maildir in a temp folder: no
    system service, plain login on 127.0.0.1 only."""
    import os
    import pwd
    import shutil
    import subprocess
    import tempfile
    import time

    if not Path(DOVECOT).exists():
        pytest.fail("Dovecot is not installed (apt-get install dovecot-imapd)")
    if os.getuid() == 0:
        account = pwd.getpwnam("dovecot")
        uid, gid = account.pw_uid, account.pw_gid
    else:
        uid, gid = os.getuid(), os.getgid()
    user_name = pwd.getpwuid(uid).pw_name
    root = Path(tempfile.mkdtemp(prefix="podpora-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid)
    port = free_port()
    (root / "passwd").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}::::::\n")
    config = root / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = {user_name}
default_login_user = {user_name}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    subprocess.run([DOVECOT, "-c", str(config)], check=True, timeout=30)
    server = ImapServer(port=port, root=root)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                server.connect().logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], timeout=30, check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_mailbox(dovecot, service_desk) -> Mailbox:
    return Mailbox.objects.create(
        name="imap-support",
        kind="imap",
        addresses="support@podpora.test",
        host="127.0.0.1",
        port=dovecot.port,
        security="plain",
        username=IMAP_USER,
        password=IMAP_PASSWORD,
        default_team=service_desk,
    )


@pytest.fixture(autouse=True)
def _fresh_own_addresses():
    from podpora.mail.intake import forget_own_addresses

    forget_own_addresses()
    yield
    forget_own_addresses()


def podpora_command_env(media_root: Path, **extra: str) -> dict[str, str]:
    """The environment for a real ``podpora`` process on the test database
    (the worktree's source first, as the tests run it)."""
    import os

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        host = db["HOST"] or "127.0.0.1"
        url = f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    source = str(Path(__file__).resolve().parents[2] / "src")
    path = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        "DATABASE_URL": url,
        "PODPORA_MEDIA_ROOT": str(media_root),
        "PYTHONPATH": f"{source}:{path}" if path else source,
        **extra,
    }


def podpora_command(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "podpora.cli", *args]


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that takes TCP connections and never says a word (a hung IMAP
    or database server); closing it resets whoever waits."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]
