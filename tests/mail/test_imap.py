"""Polling a real Dovecot IMAP server started by the test."""

import signal
import subprocess
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from podpora.mail import imap
from podpora.mail.models import InboundMail, Mailbox
from podpora.tickets.models import Message, Ticket

from .conftest import (
    IMAP_PASSWORD,
    IMAP_USER,
    killed_at_mail,
    podpora_command,
    podpora_command_env,
    silent_server,
)


def _mail(n: int, extra: str = "") -> bytes:
    return (
        f"From: Adam Nowak <adam@kowalski.pl>\nTo: support@podpora.test\n{extra}"
        f"Subject: Zgłoszenie {n}\nMessage-ID: <imap{n}@kowalski.pl>\n\n"
        f"Treść zgłoszenia numer {n}.\n"
    ).encode()


def test_polling_imports_new_mail_and_marks_it_only_once(dovecot, imap_mailbox, adam):
    dovecot.append(_mail(1))
    dovecot.append(_mail(2))
    assert imap.poll(imap_mailbox, force=True) == "2 imported"
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Zgłoszenie 1",
        "Zgłoszenie 2",
    ]
    row = InboundMail.objects.get(email_message_id="imap1@kowalski.pl")
    assert row.imap_uid in dovecot.uids()
    assert row.imap_uidvalidity
    assert dovecot.uids("INBOX", "UNKEYWORD", imap.IMPORTED_KEYWORD) == []
    dovecot.append(_mail(3))
    assert imap.poll(imap_mailbox, force=True) == "1 imported"
    assert Ticket.objects.count() == 3


def test_a_crash_between_commit_and_imap_flag_imports_nothing_twice_and_loses_nothing(
    dovecot, imap_mailbox, adam
):
    dovecot.append(_mail(1))
    dovecot.append(_mail(2))
    real_mark = imap.mark_imported
    calls = {"n": 0}

    def crash_on_second(connection, mailbox, uid):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed after the commit")
        real_mark(connection, mailbox, uid)

    with mock.patch.object(imap, "mark_imported", crash_on_second):
        result = imap.poll(imap_mailbox, force=True)
    assert "worker killed" in result
    # The second mail's ticket committed, but the server still shows it as new.
    assert Ticket.objects.count() == 2
    assert len(dovecot.uids("INBOX", "UNKEYWORD", imap.IMPORTED_KEYWORD)) == 1
    imap_mailbox.refresh_from_db()
    assert "worker killed" in imap_mailbox.last_error

    assert imap.poll(imap_mailbox, force=True) == "0 imported"
    assert Ticket.objects.count() == 2
    assert Message.objects.count() == 2
    assert InboundMail.objects.count() == 2
    assert dovecot.uids("INBOX", "UNKEYWORD", imap.IMPORTED_KEYWORD) == []


def test_processed_mail_can_be_moved_to_another_folder(dovecot, imap_mailbox, adam):
    connection = dovecot.connect()
    connection.create("Processed")
    connection.logout()
    imap_mailbox.after_import = "move"
    imap_mailbox.move_to = "Processed"
    imap_mailbox.save()
    dovecot.append(_mail(1))
    assert imap.poll(imap_mailbox, force=True) == "1 imported"
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Processed")) == 1


def test_a_mailbox_is_never_polled_by_two_workers_at_once(dovecot, imap_mailbox, adam):
    assert imap.take_lease(imap_mailbox, owner="worker-1", force=True)
    dovecot.append(_mail(1))
    assert imap.poll(imap_mailbox, force=True) == "busy or not due"
    assert Ticket.objects.count() == 0
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(lease_until=None)
    assert imap.poll(imap_mailbox, force=True) == "1 imported"


def test_wrong_password_is_shown_on_the_mailbox_not_raised(dovecot, imap_mailbox):
    imap_mailbox.password = "wrong"
    imap_mailbox.save()
    result = imap.poll(imap_mailbox, force=True)
    assert result.startswith("error")
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error
    assert imap_mailbox.lease_until is None


def test_the_periodic_job_polls_only_due_mailboxes(dovecot, imap_mailbox, adam):
    from datetime import timedelta

    from django.utils import timezone

    from podpora.mail.tasks import poll_mailboxes

    dovecot.append(_mail(1))
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(
        next_poll_at=timezone.now() + timedelta(minutes=5)
    )
    assert poll_mailboxes.call() == {}
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(next_poll_at=timezone.now())
    assert poll_mailboxes.call() == {"imap-support": "1 imported"}


@pytest.mark.parametrize("folder", ["INBOX"])
def test_mail_already_read_by_a_person_is_still_imported(
    dovecot, imap_mailbox, adam, folder
):
    dovecot.append(_mail(1))
    connection = dovecot.connect()
    connection.select(folder)
    connection.store("1", "+FLAGS", "(\\Seen)")
    connection.logout()
    assert imap.poll(imap_mailbox, force=True) == "1 imported"


def test_a_worker_killed_while_a_fetched_batch_is_processed_loses_nothing(
    dovecot, imap_mailbox, adam
):
    for n in (1, 2, 3):
        dovecot.append(_mail(n))
    with killed_at_mail(2):
        imap.poll(imap_mailbox, force=True)
    # The batch's raw mails were committed, its tickets were not, and the
    # server still shows every message as new.
    assert InboundMail.objects.filter(state="stored").count() == 3
    assert Ticket.objects.count() == 0
    assert len(dovecot.uids("INBOX", "UNKEYWORD", imap.IMPORTED_KEYWORD)) == 3

    assert imap.poll(imap_mailbox, force=True) == "0 imported"
    assert Ticket.objects.count() == 3
    assert InboundMail.objects.count() == 3
    assert dovecot.uids("INBOX", "UNKEYWORD", imap.IMPORTED_KEYWORD) == []


def test_one_poll_fetches_a_thread_together_and_threads_it(dovecot, imap_mailbox, adam):
    dovecot.append(_mail(1))
    dovecot.append(_mail(2, extra="In-Reply-To: <imap1@kowalski.pl>\n"))
    with mock.patch.object(imap, "_fetch_many", wraps=imap._fetch_many) as fetch:
        assert imap.poll(imap_mailbox, force=True) == "2 imported"
    assert fetch.call_count == 1
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 2


def _lease(mailbox: Mailbox) -> tuple[str, object]:
    return Mailbox.objects.values_list("lease_owner", "lease_until").get(pk=mailbox.pk)


@pytest.mark.django_db(transaction=True)
def test_a_poller_killed_mid_poll_blocks_its_mailbox_for_seconds_not_minutes(
    dovecot, service_desk, adam, tmp_path
):
    mailbox = Mailbox.objects.create(
        name="imap-support",
        kind="imap",
        addresses="support@podpora.test",
        host="127.0.0.1",
        security="plain",
        username=IMAP_USER,
        password=IMAP_PASSWORD,
        default_team=service_desk,
    )
    with silent_server() as port:
        # A real poller process, stuck waiting for a server that never answers.
        Mailbox.objects.filter(pk=mailbox.pk).update(port=port)
        poller = subprocess.Popen(
            podpora_command("mail", "poll", "--mailbox", "imap-support"),
            env=podpora_command_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not _lease(mailbox)[0] and time.monotonic() < deadline:
                time.sleep(0.2)
            owner, until = _lease(mailbox)
            assert owner, "the poller never took its lease"
            # Two live pollers never read one mailbox at once.
            assert imap.poll(mailbox, force=True) == "busy or not due"
            assert _lease(mailbox) == (owner, until)
        finally:
            poller.send_signal(signal.SIGKILL)
            poller.wait()
    # Its lease would run for a while yet, but its owner is dead: the next
    # poll goes ahead at once and imports what arrived.
    assert until > timezone.now() + timedelta(seconds=20)
    Mailbox.objects.filter(pk=mailbox.pk).update(port=dovecot.port)
    mailbox.refresh_from_db()
    dovecot.append(_mail(1))
    started = time.monotonic()
    assert imap.poll(mailbox, force=True) == "1 imported"
    assert time.monotonic() - started < 10
    assert Ticket.objects.count() == 1
    assert _lease(mailbox) == ("", None)


def test_a_lease_held_by_a_poller_on_another_machine_is_never_taken_over(
    imap_mailbox,
):
    # We cannot see whether that process lives: only the lease's end counts.
    assert imap.take_lease(imap_mailbox, owner="elsewhere|4026531836|1|ab", force=True)
    assert not imap.take_lease(imap_mailbox, owner="here", force=True)


def _poll_in_thread(mailbox: Mailbox) -> None:
    try:
        imap.poll(mailbox, force=True)
    finally:
        connection.close()  # the thread's own


@pytest.mark.django_db(transaction=True)
def test_a_long_poll_keeps_its_short_lease_by_a_heartbeat(imap_mailbox, monkeypatch):
    monkeypatch.setattr(imap, "LEASE", timedelta(seconds=2))
    monkeypatch.setattr(imap, "HEARTBEAT", 0.3)
    with silent_server() as port:
        Mailbox.objects.filter(pk=imap_mailbox.pk).update(port=port)
        imap_mailbox.refresh_from_db()
        poll = threading.Thread(target=_poll_in_thread, args=(imap_mailbox,))
        poll.start()
        time.sleep(4)  # twice the lease: only the heartbeat keeps it
        owner, until = _lease(imap_mailbox)
        assert owner
        assert until > timezone.now()
        assert not imap.take_lease(imap_mailbox, owner="worker-2", force=True)
    poll.join(timeout=90)
    assert not poll.is_alive()
    assert _lease(imap_mailbox) == ("", None)
