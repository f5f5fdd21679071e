"""``podpora mail deliver --mailbox NAME < message.eml``: for an MTA's pipe alias.

Exit codes follow sendmail's ``sysexits.h``, which every MTA understands:
0 the mail is stored (also when it waits for an administrator); 75
(EX_TEMPFAIL) try again later — the database is down or locked, storage
failed, anything went wrong before the mail was safely stored; 65
(EX_DATAERR) the mail itself is unusable (the parser gives up on it), but its
raw bytes are kept for an administrator; 67 (EX_NOUSER) no such mailbox.

An MTA may pipe a mail a second: the command skips Django's system checks
(they import every URL configuration and view) and gives up on an unreachable
or locked database within seconds instead of waiting half a minute.
"""

import re
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

EX_OK = 0
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75

# The pipe's own patience: an MTA that gets 75 keeps the mail and tries again
# in minutes, which is better than holding its delivery agent for half a minute.
CONNECT_TIMEOUT = 3  # seconds to reach PostgreSQL (a try with TLS, one without)
LOCK_TIMEOUT = 10  # seconds to wait for a lock (SQLite's write lock, a row lock)


def fail_fast(settings_dict: dict[str, Any]) -> None:
    """Short timeouts for the pipe's one connection, set before it opens:
    a pool (whose checkout waits 30 s for a server that is down) is pointless
    for one connection, and so is SQLite's 30 s busy wait."""
    options = settings_dict.setdefault("OPTIONS", {})
    engine = settings_dict.get("ENGINE", "")
    if "postgresql" in engine:
        options.pop("pool", None)
        options["connect_timeout"] = CONNECT_TIMEOUT
        lock = f"-c lock_timeout={LOCK_TIMEOUT * 1000}"
        options["options"] = f"{options.get('options', '')} {lock}".strip()
    elif "sqlite" in engine:
        options["timeout"] = LOCK_TIMEOUT
        busy = f"busy_timeout={LOCK_TIMEOUT * 1000}"
        init, found = re.subn(
            r"busy_timeout\s*=\s*\d+", busy, options.get("init_command", "")
        )
        options["init_command"] = init if found else f"{init} PRAGMA {busy};".strip()


class Command(BaseCommand):
    help = "Mail channel tools: deliver one mail from stdin, or poll mailboxes now."
    # The system checks import every URL configuration, and with it the API's
    # schemas and every view: over a second of CPU for each piped mail.
    # ``podpora check`` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="Read one RFC 822 mail from stdin.")
        deliver.add_argument("--mailbox", required=True)
        poll = sub.add_parser("poll", help="Poll IMAP mailboxes once.")
        poll.add_argument("--mailbox", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "deliver":
            sys.exit(self._deliver_safely(options["mailbox"]))
        self._poll(options["mailbox"])

    def _deliver_safely(self, name: str) -> int:
        """Whatever goes wrong that is not the mail's fault is temporary (75):
        an MTA bounces a mail on any other code, and the mail would be lost."""
        from django.db import connection

        opened = connection.connection is not None
        saved = {**connection.settings_dict}
        saved["OPTIONS"] = {**saved.get("OPTIONS", {})}
        if not opened:
            fail_fast(connection.settings_dict)
        try:
            return self._deliver(name)
        except Exception as exc:  # a temporary fault, or a bug: the MTA retries
            self.stderr.write(f"temporary failure: {type(exc).__name__}: {exc}")
            return EX_TEMPFAIL
        finally:
            if not opened:
                connection.close()
                connection.settings_dict.update(saved)

    def _deliver(self, name: str) -> int:
        from podpora.mail import intake, parsing
        from podpora.mail.models import InboundState, Mailbox

        raw = sys.stdin.buffer.read()
        mailbox = Mailbox.objects.filter(name=name, is_active=True).first()
        if mailbox is None:
            self.stderr.write(f"no active mailbox named {name!r}")
            return EX_NOUSER
        try:
            inbound = intake.receive(mailbox, raw)
        except intake.TemporaryFailure as exc:
            self.stderr.write(f"temporary failure: {exc}")
            return EX_TEMPFAIL
        if inbound.state == InboundState.STORED:
            # Stored, but the database gave way before its ticket was written:
            # the MTA's next try finishes it (the raw copy is not stored twice).
            self.stderr.write("temporary failure: stored, not processed yet")
            return EX_TEMPFAIL
        if inbound.state == InboundState.FAILED and not parsing.parse(raw).ok:
            self.stderr.write(f"stored for review, not usable: {inbound.reason}")
            return EX_DATAERR
        # Processed, held, ignored, a duplicate, or failed for a reason that is
        # not the mail's (listed for an administrator on /mail/): it is ours.
        self.stdout.write(f"{inbound.state} {inbound.email_message_id}")
        return EX_OK

    def _poll(self, name: str) -> None:
        from podpora.mail import imap  # type: ignore[attr-defined]
        from podpora.mail.models import Mailbox, MailboxKind

        boxes = Mailbox.objects.filter(kind=MailboxKind.IMAP, is_active=True)
        if name:
            boxes = boxes.filter(name=name)
        for mailbox in boxes:
            result = imap.poll(mailbox, force=True)
            self.stdout.write(f"{mailbox.name}: {result}")
