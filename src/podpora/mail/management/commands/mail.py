"""``podpora mail deliver --mailbox NAME < message.eml``: for an MTA's pipe alias.

Exit codes follow sendmail's ``sysexits.h``, which every MTA understands:
0 the mail is stored; 75 (EX_TEMPFAIL) try again later, e.g. the database is
down; 65 (EX_DATAERR) the mail is unusable, but its raw bytes are kept for an
administrator; 67 (EX_NOUSER) no such mailbox.
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

EX_OK = 0
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Mail channel tools: deliver one mail from stdin, or poll mailboxes now."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="Read one RFC 822 mail from stdin.")
        deliver.add_argument("--mailbox", required=True)
        poll = sub.add_parser("poll", help="Poll IMAP mailboxes once.")
        poll.add_argument("--mailbox", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "deliver":
            sys.exit(self._deliver(options["mailbox"]))
        self._poll(options["mailbox"])

    def _deliver(self, name: str) -> int:
        from django.db import DatabaseError

        from podpora.mail import intake
        from podpora.mail.models import InboundState, Mailbox

        raw = sys.stdin.buffer.read()
        try:
            mailbox = Mailbox.objects.filter(name=name, is_active=True).first()
        except DatabaseError as exc:
            self.stderr.write(f"temporary failure: {exc}")
            return EX_TEMPFAIL
        if mailbox is None:
            self.stderr.write(f"no active mailbox named {name!r}")
            return EX_NOUSER
        try:
            inbound = intake.receive(mailbox, raw)
        except intake.TemporaryFailure as exc:
            self.stderr.write(f"temporary failure: {exc}")
            return EX_TEMPFAIL
        if inbound.state == InboundState.FAILED:
            self.stderr.write(f"stored for review, not usable: {inbound.reason}")
            return EX_DATAERR
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
