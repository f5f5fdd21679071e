"""Mail built to exhaust us: deep nesting, huge bodies, a thousand parts.
Each is stored in bounded time, cut rather than refused, nothing lost."""

import time

import pytest

from podpora.mail import intake
from podpora.mail.parsing import MAX_ATTACHMENTS, MAX_TEXT, parse
from podpora.tickets.models import Attachment


def _html_mail(body: str, mid: str = "<deep@example.test>") -> bytes:
    return (
        "From: Adam Nowak <adam@kowalski.pl>\nTo: support@podpora.test\n"
        f"Subject: Raport\nMessage-ID: {mid}\n"
        "Content-Type: text/html; charset=utf-8\n\n" + body
    ).encode()


def _parse_seconds(depth: int) -> float:
    raw = _html_mail("<div>" * depth + "Drukarka stoi." + "</div>" * depth)
    started = time.perf_counter()
    parsed = parse(raw)
    elapsed = time.perf_counter() - started
    assert parsed.text == "Drukarka stoi."
    return elapsed


def test_parsing_time_grows_linearly_with_nesting_depth():
    _parse_seconds(1000)  # warm up
    small = min(_parse_seconds(5_000) for _ in range(3))
    large = min(_parse_seconds(40_000) for _ in range(3))
    # Eight times the depth: linear is ~8x; the quadratic parser took ~60x.
    assert large < small * 20 + 0.05
    assert large < 2.0


@pytest.mark.django_db
def test_an_overlong_html_mail_is_cut_with_a_note_and_kept_whole_as_a_file(
    support_mailbox, adam
):
    row = "<p>Faktura nr 12 &amp; zestawienie: 123,00 zł</p>\n"
    body = row * (2_600_000 // len(row))
    stored = intake.receive(support_mailbox, _html_mail(body))
    message = stored.message
    assert stored.ticket is not None
    assert len(message.body_text) < MAX_TEXT + 500
    assert "original-message.html" in message.body_text
    original = Attachment.objects.get(
        message=message, original_name__startswith="original"
    )
    with original.file.open("rb") as handle:
        assert handle.read().decode() == body


@pytest.mark.django_db
def test_a_mail_with_a_thousand_attachments_puts_at_most_the_limit_on_the_ticket(
    support_mailbox, adam
):
    parts = "".join(
        f"--b\nContent-Type: text/plain\nContent-Disposition: attachment; "
        f'filename="f{n}.txt"\n\nplik {n}\n'
        for n in range(1000)
    )
    raw = (
        "From: adam@kowalski.pl\nTo: support@podpora.test\nSubject: Pliki\n"
        "Message-ID: <many@example.test>\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain\n\nW załączeniu.\n{parts}--b--\n"
    ).encode()
    stored = intake.receive(support_mailbox, raw)
    assert stored.ticket.messages.get().attachments.count() == MAX_ATTACHMENTS
    assert any("more attachments" in p for p in stored.problems)
