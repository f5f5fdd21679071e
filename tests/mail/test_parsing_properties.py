"""Random and mutated mails never break the parser (hypothesis)."""

import email.utils

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podpora.mail import loops, quotes
from podpora.mail.parsing import ParsedMail, parse

from .conftest import CORPUS

SEEDS = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]


def _assert_storable(result: ParsedMail) -> None:
    assert isinstance(result, ParsedMail)
    # Everything a ticket needs is plain, encodable text.
    for value in (result.subject, result.text, result.html, result.from_address):
        assert isinstance(value, str)
        value.encode("utf-8")
    assert result.ok or result.failure
    if result.ok:
        # Only a mail server's report may come without an address.
        assert "@" in result.from_address or (
            loops.classify(result) is loops.Sender.BOUNCE
        )
    for attachment in result.attachments:
        assert isinstance(attachment.content, bytes)
        attachment.name.encode("utf-8")
    loops.classify(result, secret="s")
    quotes.split_reply(result.text)


@given(st.binary(max_size=4000))
@settings(max_examples=300, deadline=None)
def test_random_bytes_never_break_the_parser(raw):
    _assert_storable(parse(raw))


@st.composite
def mutated_corpus_mail(draw):
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        if action == "flip":
            raw[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at:]
        elif action == "insert":
            raw[at:at] = draw(
                st.sampled_from(
                    [
                        b"\n",
                        b"\r\n\r\n",
                        b"=?",
                        b"?=",
                        b"--",
                        b"=?utf-8?B?",
                        b"\x00",
                        b"\xff\xfe",
                        b"boundary=",
                        b"Content-Type: multipart/mixed\n",
                        b"begin 644 x\n",
                    ]
                )
            )
        else:
            del raw[at : at + draw(st.integers(1, 200))]
    return bytes(raw)


@given(mutated_corpus_mail())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_corpus_mails_never_break_the_parser(raw):
    _assert_storable(parse(raw))


header_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200
)


@given(
    subject=header_text,
    name=header_text,
    body=st.text(max_size=2000),
    charset=st.sampled_from(
        [
            "utf-8",
            "iso-8859-2",
            "windows-1250",
            "koi8-r",
            "gb2312",
            "iso-2022-jp",
            "utf-7",
            "latin-1",
            "bogus",
        ]
    ),
)
@settings(max_examples=300, deadline=None)
def test_generated_mails_keep_their_sender_and_never_break(
    subject, name, body, charset
):
    payload = body.encode("utf-8")
    raw = (
        f"From: {email.utils.formataddr((name, 'someone@kowalski.pl'))}\n"
        f"Subject: {subject}\n"
        f"Content-Type: text/plain; charset={charset}\n\n"
    ).encode("utf-8", "surrogatepass") + payload
    result = parse(raw)
    _assert_storable(result)
    if not any(ch in subject + name for ch in "\r\n"):
        assert result.from_address == "someone@kowalski.pl"
