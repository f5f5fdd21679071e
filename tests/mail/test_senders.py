"""Who a mail is from: the address in the header's grammar, never one that a
display name decodes to."""

import pytest

from podpora.accounts.models import User
from podpora.mail import intake
from podpora.mail.parsing import parse


def _from(header: str) -> bytes:
    return (
        f"From: {header}\nTo: support@podpora.test\nSubject: Drukarka\n"
        "Message-ID: <s1@example.test>\n\nNie drukuje.\n"
    ).encode()


@pytest.mark.parametrize(
    ("header", "name", "address"),
    [
        (
            "=?utf-8?q?a:jan@kowalski.pl,?= <mallory@evil.test>",
            "a:jan@kowalski.pl,",
            "mallory@evil.test",
        ),
        (
            "=?utf-8?b?xYF1a2FzejogamFuQGtvd2Fsc2tpLnBsLA==?= <mallory@evil.test>",
            "Łukasz: jan@kowalski.pl,",
            "mallory@evil.test",
        ),
        ('"Nowak, Adam" <adam@kowalski.pl>', "Nowak, Adam", "adam@kowalski.pl"),
        ("Adam Nowak <Adam@Kowalski.PL>", "Adam Nowak", "adam@kowalski.pl"),
        ("name@example.com.", "", "name@example.com"),
        ("Jan <jan@example.com.>", "Jan", "jan@example.com"),
        ("=?gb2312?b?1tDOxA==?= <li@example.cn>", "中文", "li@example.cn"),
    ],
)
def test_the_sender_is_the_address_in_the_headers_grammar(header, name, address):
    parsed = parse(_from(header))
    assert (parsed.from_name, parsed.from_address) == (name, address)
    assert parsed.failure == ""


def test_an_smtputf8_sender_is_kept():
    raw = (
        "From: Jörg <jdöe@mächine.example>\nTo: support@podpora.test\n"
        "Subject: Hallo\nMessage-ID: <s2@example.test>\n\nHallo.\n"
    ).encode()
    parsed = parse(raw)
    assert parsed.from_address == "jdöe@mächine.example"
    assert parsed.from_name == "Jörg"


@pytest.mark.django_db
def test_a_name_holding_a_customers_address_does_not_join_her_organisation(
    support_mailbox, org_a, adam
):
    stored = intake.receive(
        support_mailbox, _from("=?utf-8?q?a:adam@kowalski.pl,?= <mallory@evil.test>")
    )
    ticket = stored.ticket
    assert ticket.requester.email == "mallory@evil.test"
    assert ticket.requester != adam
    assert ticket.organization_id != org_a.pk
    assert not User.objects.filter(email="adam@kowalski.pl").exclude(pk=adam.pk)


@pytest.mark.django_db
def test_mail_from_an_smtputf8_or_trailing_dot_address_becomes_a_ticket(
    support_mailbox,
):
    headers = ("Jörg <jdöe@mächine.example>", "name@example.com.")
    for n, header in enumerate(headers):
        raw = _from(header).replace(b"<s1@", f"<s{n + 10}@".encode())
        stored = intake.receive(support_mailbox, raw)
        assert stored.ticket is not None, stored.reason
    emails = set(User.objects.values_list("email", flat=True))
    assert {"jdöe@mächine.example", "name@example.com"} <= emails


def _tagged(sender: str, number: int, extra: str = "", mid: str = "t1") -> bytes:
    return (
        f"{extra}From: {sender}\nTo: support@podpora.test\n"
        f"Subject: Re: [#{number}] Drukarka\nMessage-ID: <{mid}@example.test>\n\n"
        "Zamknijcie to.\n"
    ).encode()


@pytest.mark.django_db
def test_a_forged_agent_mail_is_held_and_an_admin_can_accept_it(world):
    stored = intake.receive(
        world.support, _tagged("tomasz@podpora.test", world.open_ticket.number)
    )
    assert stored.state == "held"
    assert "tomasz@podpora.test" in stored.reason
    assert not world.open_ticket.messages.filter(kind="note").exists()
    accepted = intake.accept(stored)
    assert accepted.state == "processed"
    assert accepted.message.kind == "note"


@pytest.mark.django_db
def test_a_mailbox_without_verification_keeps_the_old_behaviour(world):
    world.support.verify_senders = False
    world.support.save()
    stored = intake.receive(
        world.support, _tagged("adam@kowalski.pl", world.open_ticket.number)
    )
    assert stored.state == "processed"
    assert stored.ticket == world.open_ticket


@pytest.mark.django_db
def test_an_agent_answering_our_notification_by_mail_is_believed(world, tomasz):
    from podpora.mail.models import OutboundMail

    OutboundMail.objects.create(
        ticket=world.open_ticket,
        kind="agent_new_ticket",
        email_message_id="notice-1@podpora.mail",
        recipient="tomasz@podpora.test",
        state="sent",
    )
    stored = intake.receive(
        world.support,
        _tagged(
            "tomasz@podpora.test",
            world.open_ticket.number,
            extra="In-Reply-To: <notice-1@podpora.mail>\n",
        ),
    )
    assert stored.state == "processed", stored.reason
    assert stored.message.kind == "note"
    assert stored.message.author == tomasz
