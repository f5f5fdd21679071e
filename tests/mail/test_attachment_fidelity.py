"""Every file a mail carries arrives whole and under its own name, whatever
the wrapping: an inline picture the HTML shows by cid:, a forwarded mail, an
old uuencoded file in the text, an Outlook winmail.dat.

The mails are built here with Python's email package (and a winmail.dat
byte by byte, to Microsoft's TNEF format), the way mail programs write them.
"""

import binascii
import os
import struct
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.test import Client
from django.urls import reverse

from podpora.mail import intake
from podpora.mail.parsing import parse
from podpora.tickets.models import Attachment

PNG = bytes.fromhex(  # a real 1×1 picture
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)
BINARY = bytes(range(256)) * 3 + os.urandom(1000)


def _mail(subject: str = "Drukarka") -> EmailMessage:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "Adam Nowak <adam@kowalski.pl>"
    mail["To"] = "support@podpora.test"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{abs(hash(subject))}@kowalski.pl>"
    return mail


def _files(parsed) -> dict[str, bytes]:
    return {a.name: a.content for a in parsed.attachments}


# --- inline images ---------------------------------------------------------------


def inline_image_mail() -> bytes:
    """Like Thunderbird and Outlook: multipart/related, the picture inline
    with a Content-ID that the HTML names."""
    mail = _mail("Błąd na ekranie")
    mail.set_content("Tak wygląda błąd: [zrzut]")
    mail.add_alternative(
        '<p>Tak wygląda błąd:</p><img src="cid:zrzut.1@kowalski.pl" alt="zrzut">',
        subtype="html",
    )
    html = mail.get_payload()[1]
    html.add_related(
        PNG,
        maintype="image",
        subtype="png",
        cid="<zrzut.1@kowalski.pl>",
        disposition="inline",
        filename="zrzut błędu.png",
    )
    return mail.as_bytes()


def test_an_inline_image_keeps_its_name_bytes_and_content_id():
    parsed = parse(inline_image_mail())
    (picture,) = parsed.attachments
    assert picture.name == "zrzut błędu.png"
    assert picture.content == PNG
    assert picture.content_id == "zrzut.1@kowalski.pl"
    assert picture.inline
    assert 'src="cid:zrzut.1@kowalski.pl"' in parsed.html


@pytest.mark.django_db
def test_the_desk_shows_an_inline_image_where_the_mail_put_it(
    support_mailbox, adam, tomasz
):
    received = intake.receive(support_mailbox, inline_image_mail())
    picture = Attachment.objects.get(ticket=received.ticket)
    assert (picture.original_name, picture.is_inline) == ("zrzut błędu.png", True)
    assert picture.file.read() == PNG
    client = Client()
    client.force_login(tomasz)
    page = client.get(reverse("desk:ticket", args=[received.ticket.number])).text
    url = reverse("tickets:attachment", args=[picture.pk]) + "?inline=1"
    assert f'src="{url}"' in page
    shown = client.get(url)
    assert shown.status_code == 200
    assert b"".join(shown.streaming_content) == PNG


# --- an attached mail --------------------------------------------------------------


def forwarded_mail(inner_subject: str | None) -> tuple[bytes, EmailMessage]:
    inner = EmailMessage(policy=SMTP)
    inner["From"] = "Bank <alerts@bank.example>"
    inner["To"] = "anna@kowalski.pl"
    if inner_subject is not None:
        inner["Subject"] = inner_subject
    inner.set_content("Kliknij tutaj, aby odblokować konto.")
    inner.add_attachment(
        BINARY, maintype="application", subtype="pdf", filename="a.pdf"
    )
    outer = _mail("Podejrzana wiadomość")
    outer.set_content("Czy to phishing?")
    outer.add_attachment(inner)  # message/rfc822
    return outer.as_bytes(), inner


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("Your account is locked", "Your account is locked.eml"),
        ("Zamówienie 3/2025: potwierdzenie", "Zamówienie 3-2025- potwierdzenie.eml"),
        (None, "message.eml"),
    ],
)
def test_an_attached_mail_is_kept_whole_as_eml_named_by_its_subject(subject, name):
    raw, _inner = forwarded_mail(subject)
    parsed = parse(raw)
    assert parsed.text == "Czy to phishing?"
    (kept,) = parsed.attachments
    assert kept.name == name
    assert kept.content_type == "message/rfc822"
    # Opened again, it is the same mail, its own attachment included.
    again = parse(kept.content)
    assert again.subject == (subject or "")
    assert again.text == "Kliknij tutaj, aby odblokować konto."
    assert _files(again) == {"a.pdf": BINARY}


def test_an_attached_mail_with_a_file_name_keeps_that_name():
    raw, _inner = forwarded_mail("Faktura")
    raw = raw.replace(
        b"Content-Type: message/rfc822",
        b'Content-Type: message/rfc822; name="oryginal.eml"',
    )
    assert [a.name for a in parse(raw).attachments] == ["oryginal.eml"]


@pytest.mark.django_db
def test_an_attached_mail_is_stored_as_an_eml_file(support_mailbox, adam):
    raw, _inner = forwarded_mail("Your account is locked")
    received = intake.receive(support_mailbox, raw)
    stored = Attachment.objects.get(ticket=received.ticket)
    assert stored.original_name == "Your account is locked.eml"
    assert parse(stored.file.read()).text == "Kliknij tutaj, aby odblokować konto."


# --- uuencoded files in the text ----------------------------------------------------


def uuencode(name: str, data: bytes) -> str:
    lines = [f"begin 644 {name}"]
    lines += [
        binascii.b2a_uu(data[i : i + 45]).decode().rstrip("\n")
        for i in range(0, len(data), 45)
    ]
    return "\n".join([*lines, "`", "end"])


def uu_mail() -> bytes:
    mail = _mail("Log z serwera")
    mail.set_content(
        "Dzień dobry,\nlog i zrzut w załączeniu.\n\n"
        + uuencode("server log.txt", b"ERROR disk full\n" * 20)
        + "\n\n"
        + uuencode("dump.bin", BINARY)
        + "\n\nPozdrawiam, Adam\n"
    )
    return mail.as_bytes()


def test_uuencoded_files_leave_the_text_and_become_attachments():
    parsed = parse(uu_mail())
    assert _files(parsed) == {
        "server log.txt": b"ERROR disk full\n" * 20,
        "dump.bin": BINARY,
    }
    assert "begin 644" not in parsed.text
    assert "Dzień dobry,\nlog i zrzut w załączeniu." in parsed.text
    assert parsed.text.endswith("Pozdrawiam, Adam")


def test_begin_in_a_sentence_is_text():
    mail = _mail("Uprawnienia")
    mail.set_content("Proszę ustawić:\nbegin 644 is the mode we want\nDzięki\n")
    parsed = parse(mail.as_bytes())
    assert parsed.attachments == []
    assert "begin 644 is the mode we want" in parsed.text


@pytest.mark.django_db
def test_uuencoded_files_are_stored_with_their_names(support_mailbox, adam):
    received = intake.receive(support_mailbox, uu_mail())
    stored = {
        a.original_name: a.file.read()
        for a in Attachment.objects.filter(ticket=received.ticket)
    }
    assert stored == {"server log.txt": b"ERROR disk full\n" * 20, "dump.bin": BINARY}
    assert "begin 644" not in received.message.body_text


# --- Outlook's winmail.dat (TNEF) ---------------------------------------------------


def _attribute(level: int, kind: int, tag: int, data: bytes) -> bytes:
    """One TNEF attribute: level, id, length, data, checksum (MS-OXTNEF 2.1.3)."""
    checksum = struct.pack("<H", sum(data) & 0xFFFF)
    return struct.pack("<BII", level, (kind << 16) | tag, len(data)) + data + checksum


def _long_name(name: str) -> bytes:
    """attAttachment with one MAPI property, PR_ATTACH_LONG_FILENAME (Unicode)."""
    value = (name + "\0").encode("utf-16-le")
    padding = b"\0" * (-len(value) % 4)
    return struct.pack("<IHHII", 1, 0x001F, 0x3707, 1, len(value)) + value + padding


def winmail_dat(
    files: list[tuple[str, bytes, str | None]], body: str | None = None
) -> bytes:
    """A winmail.dat as Outlook writes one: version, code page (1252), class,
    the text, then per file its rendering, 8.3 title, data and long name."""
    message, attachment = 1, 2
    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += _attribute(message, 0x8, 0x9006, struct.pack("<I", 0x00010000))
    out += _attribute(message, 0x6, 0x9007, struct.pack("<II", 1252, 0))
    out += _attribute(message, 0x7, 0x8008, b"IPM.Microsoft Mail.Note\0")
    if body is not None:
        out += _attribute(message, 0x2, 0x800C, body.encode("cp1252") + b"\0")
    for title, data, long_name in files:
        out += _attribute(
            attachment, 0x6, 0x9002, struct.pack("<HIIIH", 1, 0xFFFFFFFF, 0, 0, 0)
        )
        out += _attribute(attachment, 0x1, 0x8010, title.encode("cp1252") + b"\0")
        out += _attribute(attachment, 0x6, 0x800F, data)
        if long_name:
            out += _attribute(attachment, 0x6, 0x9005, _long_name(long_name))
    return out


def outlook_mail(tnef: bytes, text: str = "Faktura w załączniku.") -> bytes:
    mail = _mail("Faktura marzec")
    mail.set_content(text)
    mail.add_attachment(
        tnef, maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    return mail.as_bytes()


WINMAIL_FILES = [
    ("FAKTUR~1.PDF", b"%PDF-1.4\n" + BINARY, "Faktura VAT 2025-03 — Kowalski.pdf"),
    ("Zpráva.txt", "Žádost o opravu".encode(), None),  # a cp1252 8.3 title only
    ("logo.png", PNG, None),
]


def test_the_files_inside_a_winmail_dat_come_out_under_their_long_names():
    parsed = parse(outlook_mail(winmail_dat(WINMAIL_FILES)))
    assert _files(parsed) == {
        "Faktura VAT 2025-03 — Kowalski.pdf": b"%PDF-1.4\n" + BINARY,
        "Zpráva.txt": "Žádost o opravu".encode(),
        "logo.png": PNG,
    }
    assert parsed.text == "Faktura w załączniku."
    assert not [p for p in parsed.problems if "winmail" in p]


def test_a_winmail_dat_with_only_its_text_gives_the_text():
    mail = _mail("Tylko tekst")
    mail.make_mixed()
    mail.add_attachment(
        winmail_dat([], body="Prosím o fakturu."),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    parsed = parse(mail.as_bytes())
    assert parsed.text == "Prosím o fakturu."
    assert parsed.attachments == []


@pytest.mark.parametrize(
    "damaged",
    [
        b"not TNEF at all",
        winmail_dat([])[:6],  # the signature and nothing readable
    ],
)
def test_a_winmail_dat_that_will_not_unpack_is_kept_as_it_came(damaged):
    parsed = parse(outlook_mail(damaged))
    assert _files(parsed) == {"winmail.dat": damaged}
    assert parsed.text == "Faktura w załączniku."
    assert any("winmail.dat" in p for p in parsed.problems)


@pytest.mark.django_db
def test_the_files_of_a_winmail_dat_are_stored_and_typed(support_mailbox, adam):
    received = intake.receive(support_mailbox, outlook_mail(winmail_dat(WINMAIL_FILES)))
    stored = {
        a.original_name: (a.file.read(), a.content_type)
        for a in Attachment.objects.filter(ticket=received.ticket)
    }
    assert stored == {
        "Faktura VAT 2025-03 — Kowalski.pdf": (
            b"%PDF-1.4\n" + BINARY,
            "application/pdf",
        ),
        "Zpráva.txt": ("Žádost o opravu".encode(), "text/plain"),
        "logo.png": (PNG, "image/png"),
    }
