"""Real mail's odd shapes, read as a person would read them."""

import pytest

from podpora.mail.parsing import parse

HEADERS = (
    b"From: Adam <adam@kowalski.pl>\nTo: support@podpora.test\nMessage-ID: <f@x>\n"
)


@pytest.mark.parametrize(
    ("charset", "subject"),
    [
        ("gb2312", "打印机坏了"),
        ("big5", "印表機壞了"),
        ("shift_jis", "プリンターが壊れた"),
        ("euc-kr", "프린터 고장"),
        ("iso-8859-2", "Drukarka się zacięła"),
        ("windows-1250", "Tiskárna nefunguje"),
    ],
)
def test_a_raw_subject_without_charset_is_read_in_the_bodys_charset(charset, subject):
    raw = (
        f"From: x@example.test\nTo: support@podpora.test\nSubject: {subject}\n"
        f"Message-ID: <c@x>\nContent-Type: text/plain; charset={charset}\n\n"
        f"{subject}.\n"
    ).encode(charset)
    parsed = parse(raw)
    assert parsed.subject == subject
    assert parsed.text == f"{subject}."


def test_a_raw_utf8_subject_stays_utf8_whatever_the_body_says():
    raw = (
        "From: x@example.test\nTo: s@podpora.test\nSubject: Žluťoučký kůň\n"
        "Message-ID: <u@x>\nContent-Type: text/plain; charset=iso-8859-2\n\nText\n"
    ).encode()
    assert parse(raw).subject == "Žluťoučký kůň"


@pytest.mark.parametrize(
    "first_lines",
    [b"From adam@kowalski.pl Mon Dec  7 10:00:00 2026\n", b"garbage line here\n"],
)
def test_a_line_before_the_headers_does_not_hide_them(first_lines):
    parsed = parse(first_lines + HEADERS + b"Subject: Drukarka\n\nNie drukuje.\n")
    assert parsed.subject == "Drukarka"
    assert parsed.from_address == "adam@kowalski.pl"
    assert parsed.text == "Nie drukuje."


def test_a_utf7_encoded_word_is_decoded():
    parsed = parse(HEADERS + b"Subject: =?unicode-1-1-utf-7?Q?Cena_+AKM-1?=\n\nx\n")
    assert parsed.subject == "Cena £1"


def test_a_folded_boundary_keeps_the_body_and_the_attached_message():
    raw = HEADERS + (
        b'Subject: Fwd\nContent-Type: multipart/mixed;\n boundary=\n "XYZ"\n\n'
        b"--XYZ\nContent-Type: text/plain\n\nPrzesy\xc5\x82am dalej.\n"
        b"--XYZ\nContent-Type: message/rfc822\n\n"
        b"From: a@b.test\nSubject: inner\n\ninner body\n--XYZ--\n"
    )
    parsed = parse(raw)
    assert parsed.text == "Przesyłam dalej."
    assert [a.name for a in parsed.attachments] == ["inner.eml"]
