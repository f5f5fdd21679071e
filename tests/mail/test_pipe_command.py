"""``podpora mail deliver --mailbox NAME < mail.eml`` and its sendmail exit codes."""

import io
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection

from podpora.mail.models import InboundMail, InboundState
from podpora.tickets.models import Ticket

MAIL = (
    b"From: Adam Nowak <adam@kowalski.pl>\nTo: support@podpora.test\n"
    b"Subject: Pipe test\nMessage-ID: <pipe1@kowalski.pl>\n\nHello from the MTA.\n"
)


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def _deliver(data: bytes, mailbox: str = "support") -> int:
    with (
        mock.patch.object(sys, "stdin", _Stdin(data)),
        pytest.raises(SystemExit) as exit_info,
    ):
        call_command(
            "mail",
            "deliver",
            "--mailbox",
            mailbox,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    return exit_info.value.code


def test_a_piped_mail_is_stored_and_exits_zero(support_mailbox, adam):
    assert _deliver(MAIL) == 0
    assert Ticket.objects.get().subject == "Pipe test"


def test_an_unusable_piped_mail_exits_65_and_is_still_kept(support_mailbox):
    assert _deliver(b"garbage without headers or sender\n") == 65
    inbound = InboundMail.objects.get()
    assert inbound.state == InboundState.FAILED
    assert inbound.raw.size > 0


def test_a_database_outage_exits_75_so_the_mail_server_retries(support_mailbox):
    with mock.patch.object(
        InboundMail, "save", side_effect=OperationalError("database is down")
    ):
        assert _deliver(MAIL) == 75
    assert InboundMail.objects.count() == 0
    assert _deliver(MAIL) == 0  # the MTA's retry goes through


def test_an_unknown_mailbox_exits_67(support_mailbox):
    assert _deliver(MAIL, mailbox="nope") == 67


@pytest.mark.django_db(transaction=True)
def test_the_real_podpora_command_reads_a_mail_from_stdin(service_desk, tmp_path):
    from podpora.mail.models import Mailbox

    Mailbox.objects.create(
        name="support", kind="pipe", addresses="support@podpora.test"
    )
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "PODPORA_MEDIA_ROOT": str(tmp_path)}
    podpora = Path(sys.executable).parent / "podpora"
    done = subprocess.run(
        [str(podpora), "mail", "deliver", "--mailbox", "support"],
        input=MAIL,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert Ticket.objects.get().subject == "Pipe test"
