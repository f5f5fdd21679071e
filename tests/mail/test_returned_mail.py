"""Mail that comes back: bounces, feedback-loop reports, our own mail. Each
lands on the ticket it is about as a system line, marks the reply it reports
on, answers nobody and makes nobody a customer."""

import pytest

from podpora.accounts.models import User
from podpora.mail import intake
from podpora.mail.models import InboundState, MessageReference
from podpora.tickets import services
from podpora.tickets.models import DeliveryStatus, MessageKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(world, tomasz, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.add_reply(
            world.open_ticket, author=tomasz, body_text="Proszę zrestartować."
        )
    MessageReference.objects.create(
        email_message_id="reply-1@podpora.mail",
        ticket=world.open_ticket,
        message=message,
        direction="out",
    )
    return message


def _bounce(sender: str) -> bytes:
    return (
        f"From: {sender}\nTo: support@podpora.test\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Message-ID: <dsn-1@mx.kowalski.pl>\nReturn-Path: <>\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\n"
        "Your message to adam@kowalski.pl could not be delivered: mailbox full.\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Final-Recipient: rfc822; adam@kowalski.pl\nAction: failed\nStatus: 5.2.2\n"
        "--b\nContent-Type: text/rfc822-headers\n\n"
        "From: support@podpora.test\nTo: adam@kowalski.pl\n"
        "Message-ID: <reply-1@podpora.mail>\n--b--\n"
    ).encode()


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON <>", "<MAILER-DAEMON>", "MAILER-DAEMON@mx.kowalski.pl"]
)
def test_a_bounce_lands_on_its_ticket_and_marks_the_reply_undelivered(
    sender, world, reply
):
    users_before = User.objects.count()
    stored = intake.receive(world.support, _bounce(sender))
    assert stored.state == InboundState.PROCESSED, stored.reason
    assert stored.ticket == world.open_ticket
    assert stored.message.kind == MessageKind.SYSTEM
    assert "mailbox full" in stored.message.body_text
    assert stored.message.attachments.count() >= 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert User.objects.count() == users_before


def test_a_feedback_loop_report_gets_no_acknowledgement(
    world, reply, mailoutbox, django_capture_on_commit_callbacks
):
    report = (
        b"From: abuse@isp.example\nTo: support@podpora.test\n"
        b"Subject: Abuse report\nMessage-ID: <arf-1@isp.example>\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nA user marked this mail as spam.\n"
        b"--b\nContent-Type: message/feedback-report\n\n"
        b"Feedback-Type: abuse\nUser-Agent: isp/1.0\nVersion: 1\n"
        b"--b\nContent-Type: text/rfc822-headers\n\n"
        b"Message-ID: <reply-1@podpora.mail>\n--b--\n"
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        stored = intake.receive(world.support, report)
    assert stored.message.kind == MessageKind.SYSTEM
    assert [m for m in mailoutbox if "abuse@isp.example" in m.to] == []
    assert not User.objects.filter(email="abuse@isp.example").exists()


def test_our_own_mail_coming_back_makes_no_customer_of_our_address(world):
    looped = (
        b"From: Podpora <support@podpora.test>\nTo: support@podpora.test\n"
        b"Subject: Re: [#1] Drukarka\nMessage-ID: <loop-1@podpora.mail>\n"
        b"In-Reply-To: <ack-open@podpora.mail>\n\nWe received your request.\n"
    )
    stored = intake.receive(world.support, looped)
    assert stored.ticket == world.open_ticket
    assert stored.message.kind == MessageKind.SYSTEM
    assert not User.objects.filter(email="support@podpora.test").exists()


def test_an_addressless_report_about_nothing_of_ours_is_ignored_and_kept(world):
    stray = _bounce("MAILER-DAEMON <>").replace(b"reply-1@podpora.mail", b"x@else")
    stored = intake.receive(world.support, stray)
    assert stored.state == InboundState.IGNORED
    accepted = intake.accept(stored)
    assert accepted.state == InboundState.FAILED
    assert "no" in accepted.reason.lower()
    assert accepted.raw.size > 0
