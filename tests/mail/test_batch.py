"""Batch intake (one IMAP fetch at a time): in order, nothing lost, nothing twice."""

from unittest import mock

import pytest
from django.db import OperationalError, transaction

from podpora.accounts.models import User
from podpora.mail import intake
from podpora.mail.intake import Incoming, batch
from podpora.mail.intake.lookups import BatchLookups
from podpora.mail.models import InboundMail, InboundState, OutboundMail
from podpora.tickets import services
from podpora.tickets.models import Message, Ticket

from .conftest import killed_at_mail


def _mail(
    n: int,
    *,
    reply_to: int | None = None,
    sender: str = "Adam Nowak <adam@kowalski.pl>",
    subject: str = "",
) -> bytes:
    thread = f"In-Reply-To: <b{reply_to}@kowalski.pl>\n" if reply_to else ""
    subject = subject or (f"Re: sprawa {reply_to}" if reply_to else f"Sprawa {n}")
    return (
        f"From: {sender}\nTo: support@podpora.test\n{thread}"
        f"Subject: {subject}\nMessage-ID: <b{n}@kowalski.pl>\n\n"
        f"Treść wiadomości {n}.\n"
    ).encode()


def _batch(*raws: bytes) -> list[Incoming]:
    return [Incoming(raw) for raw in raws]


def test_a_reply_to_a_mail_earlier_in_the_same_batch_lands_on_its_ticket(
    support_mailbox, adam
):
    rows = intake.receive_batch(
        support_mailbox,
        _batch(_mail(1), _mail(2), _mail(3, reply_to=1), _mail(4, reply_to=3)),
    )
    assert [r.state for r in rows] == [InboundState.PROCESSED] * 4
    first, second, reply, reply_to_reply = rows
    assert reply.ticket_id == first.ticket_id
    assert reply_to_reply.ticket_id == first.ticket_id
    assert second.ticket_id != first.ticket_id
    assert reply.message.thread_reason == "In-Reply-To: <b1@kowalski.pl>"
    assert Ticket.objects.count() == 2
    # What the log rows say in the database, for the administrators' list.
    assert list(
        InboundMail.objects.order_by("pk").values_list("state", "ticket_id", "subject")
    ) == [(InboundState.PROCESSED, r.ticket_id, r.subject) for r in rows]
    assert rows[2].subject == "Re: sprawa 1"
    # The batch recorded its Message-IDs: a later mail finds the thread too.
    later = intake.receive(support_mailbox, _mail(5, reply_to=4))
    assert later.ticket_id == first.ticket_id


def test_a_new_sender_writing_twice_in_one_batch_becomes_one_customer(
    support_mailbox, caplog
):
    sender = "Ewa Nowa <ewa@nowa-firma.example>"
    rows = intake.receive_batch(
        support_mailbox,
        _batch(_mail(1, sender=sender), _mail(2, sender=sender)),
    )
    assert [r.state for r in rows] == [InboundState.PROCESSED] * 2
    assert User.objects.filter(email="ewa@nowa-firma.example").count() == 1
    assert rows[0].ticket.requester_id == rows[1].ticket.requester_id
    assert "one at a time" not in caplog.text


def test_one_bad_mail_is_kept_raw_with_its_reason_and_the_others_land(
    support_mailbox, adam, caplog
):
    real_open = services.open_ticket

    def open_or_break(**fields):
        if "zepsuta" in fields["subject"]:
            raise RuntimeError("disk on fire")
        return real_open(**fields)

    no_sender = b"Subject: nobody\nMessage-ID: <x@nowhere>\n\nno sender here\n"
    ewa = "Ewa Nowa <ewa@nowa-firma.example>"
    broken = _mail(2, sender=ewa, subject="Sprawa zepsuta")
    with mock.patch("podpora.tickets.services.open_ticket", side_effect=open_or_break):
        rows = intake.receive_batch(
            support_mailbox,
            _batch(
                _mail(1), no_sender, broken, _mail(3, reply_to=1), _mail(4, sender=ewa)
            ),
        )
    assert [r.state for r in rows] == [
        InboundState.PROCESSED,
        InboundState.FAILED,
        InboundState.FAILED,
        InboundState.PROCESSED,
        InboundState.PROCESSED,
    ]
    assert "no sender" in rows[1].reason
    assert "disk on fire" in rows[2].reason
    assert rows[3].ticket_id == rows[0].ticket_id
    # The customer the failed mail made was rolled back with it; Ewa's next
    # mail made her again, once.
    assert rows[4].ticket.requester.email == "ewa@nowa-firma.example"
    assert User.objects.filter(email="ewa@nowa-firma.example").count() == 1
    with rows[2].raw.open("rb") as handle:
        assert handle.read() == broken
    assert "one at a time" not in caplog.text
    # Listed for administrators, and a retry makes the ticket.
    assert set(
        InboundMail.objects.filter(state=InboundState.FAILED).values_list(
            "pk", flat=True
        )
    ) == {rows[1].pk, rows[2].pk}
    assert intake.retry(rows[2]).state == InboundState.PROCESSED
    assert Ticket.objects.count() == 3


def test_a_mail_that_fails_after_its_ticket_was_written_mails_nobody(
    support_mailbox, adam, bara
):
    real = BatchLookups.received

    def fail_for_the_second(self, message, message_id, *, author):
        if message_id == "b2@kowalski.pl":
            raise RuntimeError("power cut")
        return real(self, message, message_id, author=author)

    with mock.patch.object(BatchLookups, "received", fail_for_the_second):
        rows = intake.receive_batch(
            support_mailbox,
            _batch(_mail(1), _mail(2, sender="Bára <bara@novak.cz>"), _mail(3)),
        )
    assert [r.state for r in rows] == [
        InboundState.PROCESSED,
        InboundState.FAILED,
        InboundState.PROCESSED,
    ]
    assert Ticket.objects.count() == 2
    # The acknowledgement of the rolled-back ticket was never recorded.
    assert sorted(
        OutboundMail.objects.filter(kind="acknowledgement").values_list(
            "ticket_id", flat=True
        )
    ) == sorted([rows[0].ticket_id, rows[2].ticket_id])
    assert not OutboundMail.objects.filter(recipient="bara@novak.cz").exists()


def test_a_worker_dying_mid_batch_imports_nothing_twice_and_loses_nothing(
    support_mailbox, adam
):
    items = _batch(_mail(1), _mail(2), _mail(3), _mail(4, reply_to=1))
    with killed_at_mail(3):
        intake.receive_batch(support_mailbox, items)
    # The raw mails were committed before processing began; no ticket was.
    assert InboundMail.objects.filter(state=InboundState.STORED).count() == 4
    assert Ticket.objects.count() == 0

    # The mail server (or the next poll) delivers the same batch again.
    rows = intake.receive_batch(support_mailbox, items)
    assert [r.state for r in rows] == [InboundState.PROCESSED] * 4
    assert rows[3].ticket_id == rows[0].ticket_id
    again = intake.receive_batch(support_mailbox, items)
    assert [r.pk for r in again] == [r.pk for r in rows]
    assert InboundMail.objects.count() == 4
    assert Ticket.objects.count() == 3
    assert Message.objects.count() == 4


def test_a_batch_the_database_refuses_is_done_again_one_mail_at_a_time(
    support_mailbox, adam, caplog
):
    real = batch._save_results
    refused = []

    def refuse_the_batch(rows):
        # A lock timeout: the batch's transaction fails, the retries do not.
        if not refused:
            refused.append(len(rows))
            raise OperationalError("timeout")
        return real(rows)

    with mock.patch.object(batch, "_save_results", side_effect=refuse_the_batch):
        rows = intake.receive_batch(
            support_mailbox, _batch(_mail(1), _mail(2, reply_to=1), _mail(3))
        )
    assert refused == [3]
    assert "one at a time" in caplog.text
    assert [r.state for r in rows] == [InboundState.PROCESSED] * 3
    assert rows[1].ticket_id == rows[0].ticket_id
    assert Ticket.objects.count() == 2
    assert Message.objects.count() == 3
    assert all(r.attempts == 1 for r in InboundMail.objects.all())


def test_the_same_bytes_twice_in_one_batch_are_one_mail(support_mailbox, adam):
    rows = intake.receive_batch(support_mailbox, _batch(_mail(1), _mail(1)))
    assert rows[0].pk == rows[1].pk
    assert rows[0].state == InboundState.PROCESSED
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_mails_each_acknowledgement_once_from_one_task(
    smtp_server, support_mailbox, adam, bara, tomasz
):
    from podpora.mail import tasks

    real = tasks.send_outbound_batch
    queued = mock.Mock()
    queued.enqueue.side_effect = real.enqueue
    with mock.patch("podpora.mail.tasks.send_outbound_batch", queued):
        rows = intake.receive_batch(
            support_mailbox,
            _batch(
                _mail(1),
                _mail(2, sender="Bára Nováková <bara@novak.cz>"),
                _mail(3, reply_to=1),
            ),
        )
    assert queued.enqueue.call_count == 1
    for row, address in [(rows[0], "adam@kowalski.pl"), (rows[1], "bara@novak.cz")]:
        acks = [
            m
            for rcpt, m in smtp_server.messages
            if address in rcpt and f"[#{row.ticket.number}]" in m["Subject"]
        ]
        assert len(acks) == 1
    # Every recorded mail went out, and exactly once.
    sent = [m["Message-ID"] for _rcpt, m in smtp_server.messages]
    assert len(sent) == len(set(sent)) == OutboundMail.objects.count()
    assert set(OutboundMail.objects.values_list("state", flat=True)) == {"sent"}


def _outcome(rows: list[InboundMail]) -> list[dict[str, object]]:
    """What a mail became, without ids (they differ from run to run)."""
    result = []
    for row in rows:
        row.refresh_from_db()
        message = row.message
        ticket = row.ticket
        result.append(
            {
                "state": row.state,
                "reason": row.reason,
                "sender_kind": row.sender_kind,
                "from": row.from_address,
                "subject": row.subject,
                "ticket": ticket and (ticket.subject, ticket.status, ticket.channel),
                "requester": ticket and ticket.requester.email,
                "cc": ticket and sorted(u.email for u in ticket.cc.all()),
                "thread": ticket
                and rows.index(next(r for r in rows if r.ticket_id == ticket.pk)),
                "message": message
                and (message.kind, message.body_text, message.email_message_id),
                "files": message
                and sorted(a.original_name for a in message.attachments.all()),
                "mails": ticket
                and sorted(
                    OutboundMail.objects.filter(ticket=ticket).values_list(
                        "kind", "recipient"
                    )
                ),
            }
        )
    return result


def test_a_mail_through_the_pipe_and_through_the_poller_ends_up_the_same(
    support_mailbox, adam, bara
):
    """One intake path: the pipe's one mail is a batch of one, so a thread of
    mails delivered one by one (the pipe) or in one fetch (the poller) makes
    the same tickets, messages, CCs, files and acknowledgements."""
    with_file = (
        b"From: Adam Nowak <adam@kowalski.pl>\nTo: support@podpora.test\n"
        b"Cc: Bara <bara@novak.cz>\nIn-Reply-To: <b1@kowalski.pl>\n"
        b"Subject: Re: sprawa 1\nMessage-ID: <b3@kowalski.pl>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="x"\n\n--x\n'
        b"Content-Type: text/plain; charset=utf-8\n\nZrzut ekranu w za\xc5\x82\xc4\x85czniku.\n"
        b"--x\nContent-Type: text/plain; name=log.txt\n"
        b"Content-Disposition: attachment; filename=log.txt\n\nerror 42\n--x--\n"
    )
    mails = [
        _mail(1),
        _mail(2, sender="Ewa Nowa <ewa@nowa-firma.example>"),
        with_file,
        b"Subject: nobody\nMessage-ID: <x@nowhere>\n\nno sender here\n",
    ]

    def once(deliver) -> list[dict[str, object]]:
        sid = transaction.savepoint_create()
        try:
            return _outcome(deliver())
        finally:
            transaction.savepoint_rollback(sid)

    piped = once(lambda: [intake.receive(support_mailbox, raw) for raw in mails])
    polled = once(lambda: intake.receive_batch(support_mailbox, _batch(*mails)))

    assert piped == polled
    assert [o["state"] for o in piped] == [
        InboundState.PROCESSED,
        InboundState.PROCESSED,
        InboundState.PROCESSED,
        InboundState.FAILED,
    ]
    assert piped[2]["thread"] == 0
    assert piped[2]["files"] == ["log.txt"]
    assert piped[2]["cc"] == ["bara@novak.cz"]
