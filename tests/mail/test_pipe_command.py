"""``podpora mail deliver --mailbox NAME < mail.eml`` and its sendmail exit codes."""

import contextlib
import io
import subprocess
import sys
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction

from podpora.mail.models import InboundMail, InboundState, Mailbox
from podpora.tickets.models import Ticket

from .conftest import free_port, podpora_command, podpora_command_env, silent_server

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


def _pipe(mail: bytes, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The mail through the real command, as an MTA's pipe alias runs it."""
    return subprocess.run(
        podpora_command("mail", "deliver", "--mailbox", "support"),
        input=mail,
        env=env,
        capture_output=True,
        timeout=120,
    )


def test_a_piped_mail_is_stored_and_exits_zero(support_mailbox, adam):
    assert _deliver(MAIL) == 0
    assert Ticket.objects.get().subject == "Pipe test"


def test_an_unusable_piped_mail_exits_65_and_is_still_kept(support_mailbox):
    assert _deliver(b"garbage without headers or sender\n") == 65
    inbound = InboundMail.objects.get()
    assert inbound.state == InboundState.FAILED
    assert inbound.raw.size > 0


def test_a_database_outage_exits_75_so_the_mail_server_retries(support_mailbox):
    down = OperationalError("database is down")
    with (
        mock.patch.object(InboundMail.objects, "bulk_create", side_effect=down),
        mock.patch.object(InboundMail, "save", side_effect=down),
    ):
        assert _deliver(MAIL) == 75
    assert InboundMail.objects.count() == 0
    assert _deliver(MAIL) == 0  # the MTA's retry goes through


def test_an_unknown_mailbox_exits_67(support_mailbox):
    assert _deliver(MAIL, mailbox="nope") == 67


@pytest.mark.django_db(transaction=True)
def test_the_real_podpora_command_reads_a_mail_from_stdin(service_desk, tmp_path):
    Mailbox.objects.create(
        name="support", kind="pipe", addresses="support@podpora.test"
    )
    done = _pipe(MAIL, podpora_command_env(tmp_path))
    assert done.returncode == 0, done.stderr.decode()
    assert Ticket.objects.get().subject == "Pipe test"


def test_a_mail_that_fails_for_a_reason_of_ours_is_kept_and_never_exits_65(
    support_mailbox, adam
):
    # A full disk while its files are written: the mail is ours, stored and
    # listed for an administrator; bouncing it (65) would tell the sender it
    # was unusable.
    with mock.patch(
        "podpora.mail.intake.batch._process_locked",
        side_effect=OSError(28, "No space left on device"),
    ):
        assert _deliver(MAIL) == 0
    assert InboundMail.objects.get().state == InboundState.FAILED


def test_any_fault_that_escapes_the_intake_exits_75_never_a_bounce(support_mailbox):
    # Processing fails, then the database goes away before the failure can be
    # written down: the MTA must keep the mail and try again.
    with (
        mock.patch(
            "podpora.mail.intake.batch._process_locked",
            side_effect=RuntimeError("bug"),
        ),
        mock.patch(
            "podpora.mail.intake.batch._save_results",
            side_effect=OperationalError("server closed the connection"),
        ),
    ):
        assert _deliver(MAIL) == 75


@pytest.mark.parametrize("server", ["closed port", "silent server"])
def test_an_unreachable_postgresql_makes_the_pipe_exit_75_within_seconds(
    server, tmp_path
):
    with contextlib.ExitStack() as stack:
        if server == "closed port":
            port = free_port()
        else:  # takes the connection and never answers
            port = stack.enter_context(silent_server())
        env = podpora_command_env(
            tmp_path, DATABASE_URL=f"postgres://podpora@127.0.0.1:{port}/podpora"
        )
        started = time.monotonic()
        done = _pipe(MAIL, env)
        elapsed = time.monotonic() - started
    assert done.returncode == 75, done.stderr.decode()
    assert b"temporary failure" in done.stderr
    # Starting the command takes seconds on a busy machine; before, the pipe
    # waited 30 s for the connection pool.
    assert elapsed < 20


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_makes_the_pipe_exit_75_soon_and_the_retry_stores_it(
    service_desk, tmp_path
):
    Mailbox.objects.create(
        name="support", kind="pipe", addresses="support@podpora.test"
    )
    env = podpora_command_env(tmp_path)
    # SQLite: this transaction holds the database's write lock; PostgreSQL:
    # the mailbox's row lock, which every new mail's row must share.
    with transaction.atomic():
        Mailbox.objects.select_for_update().get(name="support")
        started = time.monotonic()
        done = _pipe(MAIL, env)
        elapsed = time.monotonic() - started
    assert done.returncode == 75, done.stderr.decode()
    assert elapsed < 25  # 10 s of waiting for the lock, not 30
    assert InboundMail.objects.count() == 0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no stray copy
    done = _pipe(MAIL, env)  # the MTA's retry
    assert done.returncode == 0, done.stderr.decode()
    assert Ticket.objects.get().subject == "Pipe test"
