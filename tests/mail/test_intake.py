"""The intake pipeline: nothing lost, nothing twice, admins can fix the rest."""

import pytest

from podpora.accounts.models import User
from podpora.mail import intake
from podpora.mail.models import InboundMail, InboundState, Mailbox, MessageReference
from podpora.tickets.models import Message, Ticket

from .conftest import CORPUS


def _mail(message_id="<m1@kowalski.pl>", to="support@podpora.test", extra=""):
    return (
        f"From: Adam Nowak <adam@kowalski.pl>\nTo: {to}\n{extra}"
        f"Subject: Serwer nie odpowiada\nMessage-ID: {message_id}\n\n"
        "Serwer plików nie odpowiada.\n"
    ).encode()


def test_the_same_mail_delivered_twice_makes_one_ticket(support_mailbox, adam):
    first = intake.receive(support_mailbox, _mail())
    again = intake.receive(support_mailbox, _mail())
    assert first.pk == again.pk
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1


def test_a_mail_to_two_of_our_mailboxes_makes_one_ticket(support_mailbox, adam):
    other = Mailbox.objects.create(name="it", kind="pipe", addresses="it@podpora.test")
    first = intake.receive(
        support_mailbox, b"Delivered-To: support@podpora.test\n" + _mail()
    )
    second = intake.receive(other, b"Delivered-To: it@podpora.test\n" + _mail())
    assert first.state == InboundState.PROCESSED
    assert second.state == InboundState.DUPLICATE
    assert second.ticket_id == first.ticket_id
    assert Ticket.objects.count() == 1


def test_a_reply_finds_its_ticket_through_the_customers_own_message_id(
    support_mailbox, adam
):
    opened = intake.receive(support_mailbox, _mail())
    reply = intake.receive(
        support_mailbox,
        _mail("<m2@kowalski.pl>", extra="In-Reply-To: <m1@kowalski.pl>\n"),
    )
    assert reply.ticket_id == opened.ticket_id
    assert reply.message.thread_reason == "In-Reply-To: <m1@kowalski.pl>"
    assert (
        MessageReference.objects.filter(
            ticket_id=opened.ticket_id, direction="in"
        ).count()
        == 2
    )


def test_an_unusable_mail_is_kept_raw_with_its_reason_and_can_be_discarded(
    support_mailbox,
):
    raw = b"Subject: nobody\n\nno sender here\n"
    inbound = intake.receive(support_mailbox, raw)
    assert inbound.state == InboundState.FAILED
    assert "no sender" in inbound.reason
    with inbound.raw.open("rb") as handle:
        assert handle.read() == raw
    assert intake.discard(inbound).state == InboundState.DISCARDED


def test_a_held_mail_becomes_a_ticket_when_an_admin_accepts_it(world):
    raw = next(CORPUS.glob("*-unknown-sender-held.eml")).read_bytes()
    held = intake.receive(world.strict, raw)
    assert held.state == InboundState.HELD
    assert not User.objects.filter(email="someone@gmail.example").exists()
    accepted = intake.accept(held)
    assert accepted.state == InboundState.PROCESSED
    assert accepted.ticket.requester.email == "someone@gmail.example"


def test_a_failed_mail_is_retried_after_the_cause_is_fixed(
    support_mailbox, adam, settings
):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 10
    raw = _mail()
    # A parser-level limit drops big files, so force a service error instead.
    from unittest import mock

    from podpora.tickets.errors import InvalidInput

    with mock.patch(
        "podpora.tickets.services.open_ticket", side_effect=InvalidInput("broken")
    ):
        failed = intake.receive(support_mailbox, raw)
    assert failed.state == InboundState.FAILED
    assert failed.reason == "broken"
    assert Ticket.objects.count() == 0
    retried = intake.retry(failed)
    assert retried.state == InboundState.PROCESSED
    assert Ticket.objects.count() == 1


def test_a_crash_inside_the_ticket_transaction_leaves_the_mail_stored_not_lost(
    support_mailbox, adam
):
    from unittest import mock

    # Recording the mail's Message-ID is the last write of its transaction.
    with mock.patch(
        "podpora.mail.intake.lookups.BatchLookups.received",
        side_effect=RuntimeError("power cut"),
    ):
        inbound = intake.receive(support_mailbox, _mail())
    assert inbound.state == InboundState.FAILED
    assert "power cut" in inbound.reason
    assert Ticket.objects.count() == 0  # the ticket write was rolled back
    assert intake.retry(inbound).state == InboundState.PROCESSED
    assert Message.objects.count() == 1


def test_a_mail_over_the_size_limit_is_held_not_dropped(
    support_mailbox, adam, settings
):
    settings.PODPORA_MAIL_MAX_BYTES = 100
    inbound = intake.receive(support_mailbox, _mail() + b"x" * 200)
    assert inbound.state == InboundState.HELD
    assert "larger than the limit" in inbound.reason
    assert intake.accept(inbound).state == InboundState.PROCESSED


def test_headers_of_a_strangers_mail_cannot_pretend_to_be_our_loop_token(
    support_mailbox, adam
):
    inbound = intake.receive(
        support_mailbox, _mail(extra="X-Podpora-Loop: 0123456789abcdef\n")
    )
    assert inbound.state == InboundState.PROCESSED
    assert inbound.message.is_automatic is False


@pytest.mark.parametrize("missing", ["<>", ""])
def test_mails_without_message_id_get_a_stable_synthetic_one(
    support_mailbox, adam, missing
):
    raw = _mail(message_id=missing)
    first = intake.receive(support_mailbox, raw)
    assert first.email_message_id.endswith("@no-message-id.podpora")
    assert intake.receive(support_mailbox, raw).pk == first.pk
    assert Ticket.objects.count() == 1


def test_mangled_mails_always_end_stored_with_a_known_state(world):
    """Cut, flipped and spliced corpus mails through the whole intake: each one
    is kept raw and ends processed, failed, held or ignored — never lost."""
    import random

    rng = random.Random(20260323)
    seeds = sorted(CORPUS.glob("*.eml"))
    final = {
        InboundState.PROCESSED,
        InboundState.FAILED,
        InboundState.HELD,
        InboundState.IGNORED,
        InboundState.DUPLICATE,
    }
    for round_ in range(60):
        raw = bytearray(world.fill(rng.choice(seeds).read_bytes()))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(raw)) if raw else 0
            action = rng.choice(["flip", "cut", "splice"])
            if action == "flip" and raw:
                raw[at] = rng.randrange(256)
            elif action == "cut":
                del raw[at : at + rng.randint(1, 300)]
            else:
                raw[at:at] = rng.choice(
                    [b"\n\n", b"=?utf-8?B?", b"\xff", b"--", b"\r\n"]
                )
        raw += f"\nX-Round: {round_}\n".encode()
        inbound = intake.receive(world.support, bytes(raw))
        assert inbound.state in final, (round_, inbound.state, inbound.reason)
        with inbound.raw.open("rb") as handle:
            assert handle.read() == bytes(raw)


def test_an_admin_can_turn_an_ignored_bounce_into_a_ticket(support_mailbox):
    bounce = intake.receive(
        support_mailbox,
        b"From: MAILER-DAEMON@mx.example.org\nTo: support@podpora.test\n"
        b"Subject: Undeliverable: hello\nReturn-Path: <>\nMessage-ID: <bx@mx.example.org>\n\n"
        b"Delivery failed.\n",
    )
    assert bounce.state == InboundState.IGNORED
    accepted = intake.accept(bounce)
    assert accepted.state == InboundState.PROCESSED
    assert accepted.message.is_automatic
