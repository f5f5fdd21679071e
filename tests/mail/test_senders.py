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
