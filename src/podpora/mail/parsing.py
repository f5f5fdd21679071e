"""Raw RFC 822 bytes → :class:`ParsedMail`. Pure: no database, no settings.

Real mail breaks every rule, so this module never raises: whatever it cannot
understand becomes a line in ``problems``, and a mail that cannot become a
ticket at all (no sender, nothing but noise) gets a ``failure`` reason. The raw
bytes are kept by the intake in every case, so a better parser can retry later.

The MIME tree is read with the lenient ``compat32`` policy and every header
and body is decoded here, by hand, because ``policy.default`` raises on the
very mails we most need to survive: unknown or mislabelled charsets, raw 8-bit
headers, broken encoded words.
"""

from __future__ import annotations

import binascii
import codecs
import email
import email.header
import email.headerregistry
import email.utils
import hashlib
import mimetypes
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message

from podpora.mail.quotes import trim_html
from podpora.tickets import html as html_tools

# Names mail programs use that Python does not know, or knows as a narrower set.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "unknown": "utf-8",
    "x-user-defined": "windows-1252",
    "default": "utf-8",
    "iso-8859-1": "windows-1252",  # what every "latin-1" mail really is
    "latin1": "windows-1252",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "windows-1250": "cp1250",
    "iso-2022-jp": "iso2022_jp_ext",
}
# Tried in this order when the declared charset fails: our users write Polish
# and Czech, whose legacy Windows code page is the most common mislabel.
_FALLBACK_CHARSETS = ("utf-8", "cp1250", "iso-8859-2", "windows-1252")

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# "jan@example.com." : the domain's final dot, before the end of that address.
_TRAILING_DOT = re.compile(r"(@[^\s<>,;\"@]+?)\.+(?=\s*(?:>|,|;|$))")
_HEADER_FACTORY = email.headerregistry.HeaderRegistry()
# Past these a mail's body is cut (the whole of it attached) and its further
# attachments are left in the raw mail, which is always kept.
MAX_TEXT = 200_000
MAX_HTML = 1_000_000
MAX_ATTACHMENTS = 100
_DAEMON_NAME = re.compile(r"^\s*(?:mailer-daemon|postmaster)\b", re.I)
# While one mail is parsed: the charset its text declares, for raw 8-bit
# headers that declare none.
_HEADER_CHARSET: ContextVar[str | None] = ContextVar("header_charset", default=None)
# A header field's name and colon, for finding where the headers start.
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_BARE_ID = re.compile(r"^\s*([^<>\s@]+@[^<>\s@]+)\s*$")
_UU_BEGIN = re.compile(r"^begin [0-7]{3,4} (.+)$", re.M)
_MAX_DEPTH = 12


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content: bytes
    content_type: str
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    from_name: str = ""
    from_address: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str = ""  # without angle brackets; "" when missing
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    # Signals for robots, loops and bounces (see ``mail.loops``).
    auto_submitted: str = ""
    precedence: str = ""
    auto_response_suppress: str = ""
    return_path: str | None = None  # "" means the null sender <>
    content_type: str = ""
    report_type: str = ""
    list_id: str = ""
    loop_token: str = ""
    x_failed_recipients: str = ""
    # Raw, topmost first: read by ``mail.authenticity`` for the mailbox's
    # trusted receiving servers only.
    authentication_results: list[str] = field(default_factory=list)
    arc_results: list[str] = field(default_factory=list)
    text: str = ""
    html: str = ""  # sanitised
    html_reply: str = ""  # sanitised, quoted history cut (see ``mail.quotes``)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failure: str = ""
    body_cut: int = 0  # the body's length in characters when it was cut

    @property
    def ok(self) -> bool:
        return not self.failure

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, the closest first."""
        seen: dict[str, None] = {}
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(mid, None)
        return list(seen)


# --- decoding -------------------------------------------------------------------------


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None, problems: list[str]) -> str:
    """Text from bytes in a declared charset that may be wrong or unknown."""
    codec = _codec(charset)
    if charset and codec is None:
        problems.append(f"unknown charset {charset.strip()[:40]!r}")
    if codec in {"ascii", "cp1252", "latin_1", "iso8859-1"} and not data.isascii():
        # Mail labelled "latin-1" or "ascii" that is really UTF-8 is common; a
        # valid UTF-8 multi-byte sequence is almost never accidental.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            problems.append(f"text does not match its charset {charset!r}")
    for fallback in _FALLBACK_CHARSETS:
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _raw_header_bytes(value: str) -> bytes:
    # compat32 keeps raw 8-bit header bytes as surrogate escapes.
    return value.encode("ascii", errors="surrogateescape")


def _raw_header_text(text: str, problems: list[str]) -> str:
    """A header holding raw 8-bit bytes, as text: UTF-8 when the bytes are
    valid UTF-8 (almost never by accident), else the charset of the mail's
    text, as a CJK mail's undeclared GB2312 subject is, else the fallbacks."""
    try:
        raw = _raw_header_bytes(text)
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return decode_bytes(raw, _HEADER_CHARSET.get() or "utf-8", problems)


def decode_header(value: object, problems: list[str] | None = None) -> str:
    """A header as text: encoded words in any charset, raw 8-bit, folding."""
    problems = problems if problems is not None else []
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = str(value)
    if not text.isascii():
        text = _raw_header_text(text, problems)
        if "=?" not in text:
            return " ".join(text.split())
    try:
        chunks = email.header.decode_header(text)
    except Exception:  # a broken encoded word: show it as it came
        problems.append("broken encoded word in a header")
        return " ".join(text.split())
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset or "utf-8", problems))
        else:
            out.append(chunk)
    return " ".join("".join(out).split())


def _raw_values(msg: Message, name: str) -> list[str]:
    # raw_items() keeps 8-bit bytes as surrogate escapes; get() would already
    # have replaced them with U+FFFD.
    wanted = name.lower()
    return [str(v) for k, v in msg.raw_items() if k.lower() == wanted]


def _header(msg: Message, name: str, problems: list[str]) -> str:
    try:
        values = _raw_values(msg, name)
        return decode_header(values[0], problems) if values else ""
    except Exception:
        problems.append(f"unreadable {name} header")
        return ""


def _headers_all(msg: Message, name: str, problems: list[str]) -> list[str]:
    try:
        return [decode_header(v, problems) for v in _raw_values(msg, name)]
    except Exception:
        problems.append(f"unreadable {name} header")
        return []


def _addresses(
    values: list[str], problems: list[str] | None = None
) -> list[tuple[str, str]]:
    """Addresses read with the standard address-list grammar on the raw header.

    An encoded word is one word of a display name: whatever it decodes to
    (quotes, commas, a colon, an address) stays part of that name and never
    becomes an address of its own, as it would if the header were decoded
    first and split after. A trailing dot on the domain is dropped and
    SMTPUTF8 addresses are kept as they are.
    """
    problems = problems if problems is not None else []
    found = []
    for value in values:
        text = " ".join(str(value).split())
        if not text.isascii():
            # Raw 8-bit: SMTPUTF8 addresses or a name in an undeclared charset.
            text = _raw_header_text(text, problems)
        text = _TRAILING_DOT.sub(r"\1", text)
        try:
            header = _HEADER_FACTORY("from", text)
            addresses = header.addresses  # type: ignore[attr-defined]
        except Exception:
            problems.append("unreadable address header")
            continue
        for parsed in addresses:
            if not parsed.username or not parsed.domain:
                continue
            address = f"{parsed.username}@{parsed.domain}"
            if " " in address or len(address) > 254:
                continue
            found.append((" ".join(parsed.display_name.split()), address.lower()))
    return found


def _address_header(
    msg: Message, name: str, problems: list[str]
) -> list[tuple[str, str]]:
    try:
        return _addresses(_raw_values(msg, name), problems)
    except Exception:
        problems.append(f"unreadable {name} header")
        return []


def message_ids(value: str) -> list[str]:
    ids = _MESSAGE_ID.findall(value or "")
    if not ids:
        bare = _BARE_ID.match(value or "")
        if bare:
            ids = [bare.group(1)]
    return [i[:990] for i in ids]


# --- the MIME tree ----------------------------------------------------------------------


@dataclass
class _Body:
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)


def _payload_bytes(part: Message, problems: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        problems.append("undecodable part payload")
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return _raw_header_bytes(raw) if not raw.isascii() else raw.encode()
    return b""


def _filename(part: Message, problems: list[str]) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
        problems.append("unreadable attachment name")
    if name is None:
        try:
            param = part.get_param("name")
            if isinstance(param, tuple):
                name = email.utils.collapse_rfc2231_value(param)
            elif isinstance(param, str):
                name = param
        except Exception:
            name = None
    return decode_header(name, problems) if name else ""


def _content_id(part: Message) -> str:
    value = str(part.get("Content-ID", "") or "")
    return value.strip().strip("<>").strip()[:250]


def _text_of(part: Message, problems: list[str]) -> str:
    data = _payload_bytes(part, problems)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(data, charset or "utf-8", problems)


def _tnef(data: bytes, body: _Body, problems: list[str]) -> None:
    """The files and text inside an Outlook winmail.dat. The winmail.dat
    itself is kept too whenever something in it could not be carried over
    (a file that will not read, nothing readable at all), so nothing is lost."""

    def keep_whole(problem: str) -> None:
        problems.append(problem)
        body.attachments.append(
            ParsedAttachment("winmail.dat", data, "application/ms-tnef")
        )

    try:
        from tnefparse.tnef import TNEF

        tnef = TNEF(data)
    except Exception:
        keep_whole("winmail.dat could not be unpacked; kept as a file")
        return
    titles = _tnef_titles(tnef)
    codepage = str(getattr(tnef, "codepage", "") or "cp1252")
    lost = False
    for index, item in enumerate(tnef.attachments):
        try:
            content = item.data if isinstance(item.data, bytes) else bytes(item.data)
        except Exception:
            lost = True
            continue
        try:
            name = item.long_filename()
        except Exception:  # a title in the sender's code page, not UTF-8
            name = decode_bytes(titles.get(index, b""), codepage, problems)
        if isinstance(name, bytes):
            name = decode_bytes(name, codepage, problems)
        name = str(name or "").strip("\x00").strip() or f"attachment-{index + 1}"
        body.attachments.append(ParsedAttachment(name, content, _type_by_name(name)))
    text = _tnef_text(tnef.body, codepage, problems)
    html = _tnef_text(getattr(tnef, "htmlbody", None), "utf-8", problems)
    if html and not body.html:
        body.html.append(html)
    if text and not body.text:
        body.text.append(text)
    if lost:
        keep_whole("a file inside winmail.dat was unreadable; winmail.dat kept")
    elif not tnef.attachments and not text and not html:
        keep_whole("nothing readable in winmail.dat; kept as a file")


def _tnef_titles(tnef: object) -> dict[int, bytes]:
    """Each attachment's raw title (attAttachTitle), by its position: the
    library reads titles as UTF-8, Outlook writes them in its code page."""
    from tnefparse.tnef import TNEF

    titles: dict[int, bytes] = {}
    index = -1
    for obj in getattr(tnef, "objects", []):
        if obj.name == TNEF.ATTATTACHRENDDATA:
            index += 1
        elif obj.name == TNEF.ATTATTACHTITLE and index >= 0:
            titles[index] = bytes(obj.data).split(b"\x00")[0]
    return titles


def _tnef_text(value: object, codepage: str, problems: list[str]) -> str:
    if isinstance(value, bytes):
        value = decode_bytes(value, codepage, problems)
    return str(value or "").strip("\x00").strip()


def _type_by_name(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _uu_line(line: str) -> bytes | None:
    """The bytes of one uuencoded line, or None when it is not one: its first
    character gives the count, the rest uses the encoding's characters only
    (lowercase letters, as in prose, are not among them). Some encoders pad
    further and some mail programs strip trailing spaces (zero bits)."""
    if not line:
        return b""
    if not all(" " <= ch <= "`" for ch in line):
        return None
    count = (ord(line[0]) - 32) & 63
    needed = (count + 2) // 3 * 4
    try:
        return binascii.a2b_uu(line[: needed + 1].ljust(needed + 1))[:count]
    except (binascii.Error, ValueError):
        return None


def _uudecode(text: str, body: _Body, problems: list[str]) -> str:
    """Pull old-style uuencoded files out of a plain-text body: from a line
    ``begin <mode> <name>`` to a line ``end``, every line between a valid
    uuencoded one. Anything else (prose that happens to start with
    "begin 644") stays text."""
    if "begin " not in text:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        match = _UU_BEGIN.match(lines[index].rstrip("\r"))
        block = _uu_block(lines, index + 1) if match else None
        if match is None or block is None:
            kept.append(lines[index])
            index += 1
            continue
        data, end = block
        name = match.group(1).strip()
        body.attachments.append(ParsedAttachment(name, data, _type_by_name(name)))
        index = end + 1
    return "\n".join(kept)


def _uu_block(lines: list[str], start: int) -> tuple[bytes, int] | None:
    """The data of the uuencoded lines from ``start`` and the index of its
    ``end`` line, or None when these lines are not a uuencoded file."""
    data = bytearray()
    for end in range(start, len(lines)):
        line = lines[end].rstrip("\r")
        if line == "end":
            return bytes(data), end
        decoded = _uu_line(line)
        if decoded is None:
            return None
        data += decoded
    return None


def _walk(part: Message, body: _Body, problems: list[str], depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        problems.append("MIME nesting too deep; the rest was skipped")
        return
    ctype = part.get_content_type()
    if ctype == "message/delivery-status":
        payload = part.get_payload()
        if isinstance(payload, list):
            data = b"\n".join(
                p.as_bytes() if isinstance(p, Message) else b"" for p in payload
            )
        else:
            data = _payload_bytes(part, problems)
        body.attachments.append(
            ParsedAttachment("delivery-status.txt", data, "text/plain")
        )
        return
    if ctype == "message/rfc822" or (
        ctype.startswith("message/") and part.is_multipart()
    ):
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            try:
                data = inner.as_bytes(policy=inner.policy.clone(linesep="\r\n"))
            except Exception:
                data = str(inner).encode("utf-8", errors="replace")
            subject = _header(inner, "Subject", problems)
            name = _filename(part, problems) or _eml_name(subject)
            body.attachments.append(ParsedAttachment(name, data, "message/rfc822"))
        return
    if part.is_multipart():
        children = [p for p in part.get_payload() if isinstance(p, Message)]
        if ctype == "multipart/alternative":
            _alternative(children, body, problems, depth)
        else:
            for child in children:
                _walk(child, body, problems, depth + 1)
        return
    _leaf(part, body, problems)


# What a file name cannot hold on some system: the subject's "Re: 3/2025"
# would otherwise lose all before its last slash when stored.
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def _eml_name(subject: str) -> str:
    """An attached mail's file name, from its subject."""
    name = _NOT_IN_NAMES.sub("-", subject).strip(" .-")[:80].strip()
    return f"{name or 'message'}.eml"


def _alternative(
    children: list[Message], body: _Body, problems: list[str], depth: int
) -> None:
    # One body, several renderings: keep the best text and the best HTML,
    # plus whatever files hang off a multipart/related rendering.
    for child in children:
        ctype = child.get_content_type()
        if ctype == "text/plain" and not child.get_filename():
            body.text.append(_uudecode(_text_of(child, problems), body, problems))
        elif ctype == "text/html" and not child.get_filename():
            body.html.append(_text_of(child, problems))
        else:
            _walk(child, body, problems, depth + 1)


_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,70})\s*$", re.M)


def _multipart_without_boundary(
    part: Message, body: _Body, problems: list[str]
) -> None:
    """A multipart whose boundary parameter is missing: guess it from the first
    line that looks like one, or read the whole thing as text."""
    payload = part.get_payload()
    text = payload if isinstance(payload, str) else ""
    problems.append("multipart without a boundary")
    match = _BOUNDARY_LINE.search(text)
    if match:
        boundary = match.group(1).removesuffix("--")
        rebuilt = email.message_from_string(
            f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\n\n{text}'
        )
        if rebuilt.is_multipart():
            for child in rebuilt.get_payload():
                if isinstance(child, Message):
                    _walk(child, body, problems, 1)
            return
    body.text.append(text)


def _leaf(part: Message, body: _Body, problems: list[str]) -> None:
    ctype = part.get_content_type()
    if ctype.startswith("multipart/"):
        _multipart_without_boundary(part, body, problems)
        return
    disposition = (part.get_content_disposition() or "").lower()
    name = _filename(part, problems)
    if (
        ctype in {"text/plain", "text/html"}
        and disposition != "attachment"
        and not name
    ):
        text = _text_of(part, problems)
        if ctype == "text/plain":
            body.text.append(_uudecode(text, body, problems))
        else:
            body.html.append(text)
        return
    data = _payload_bytes(part, problems)
    if ctype == "application/ms-tnef" or name.lower() == "winmail.dat":
        _tnef(data, body, problems)
        return
    if not data and not name:
        return
    content_id = _content_id(part)
    if not name:
        extension = {
            "image/png": ".png",
            "image/jpeg": ".jpg",
            "image/gif": ".gif",
            "message/delivery-status": ".txt",
            "text/rfc822-headers": ".txt",
            "text/calendar": ".ics",
        }.get(ctype, ".bin")
        if ctype == "text/rfc822-headers":
            name = "original-headers.txt"
        else:
            name = (content_id.split("@")[0] or "part") + extension
    inline = bool(content_id) and disposition != "attachment"
    body.attachments.append(
        ParsedAttachment(name, data, ctype, content_id=content_id, inline=inline)
    )


# --- the whole mail -----------------------------------------------------------------------


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a mail that came without one: the same bytes get the same id."""
    return f"{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.podpora"


def parse(raw: bytes, *, max_attachment_bytes: int | None = None) -> ParsedMail:
    """Everything a ticket needs from one mail. Never raises."""
    try:
        return _parse(raw, max_attachment_bytes)
    except Exception as exc:  # the last line of defence: keep the raw, say why
        return ParsedMail(
            problems=[f"parser error: {type(exc).__name__}"],
            failure=f"The mail could not be read ({type(exc).__name__}: {exc})"[:500],
        )


def _parse(raw: bytes, max_attachment_bytes: int | None) -> ParsedMail:
    if not raw or not raw.strip():
        return ParsedMail(failure="The mail is empty.")
    problems: list[str] = []
    # Some senders and gateways use bare LF, others CR LF; one form for the parser.
    msg = email.message_from_bytes(
        _without_leading_junk(raw.replace(b"\r\n", b"\n"), problems)
    )
    for defect in getattr(msg, "defects", []) or []:
        problems.append(f"MIME defect: {type(defect).__name__}")
    token = _HEADER_CHARSET.set(_text_charset(msg))
    try:
        return _parse_message(msg, raw, problems, max_attachment_bytes)
    finally:
        _HEADER_CHARSET.reset(token)


def _without_leading_junk(raw: bytes, problems: list[str]) -> bytes:
    """A stray line or two before the headers (a gateway's note, a broken
    mbox separator) would make every header body text: drop them when real
    header fields follow."""
    if _HEADER_LINE.match(raw) or raw.startswith(b"From "):
        return raw
    lines = raw.split(b"\n", 7)
    for start in range(1, min(len(lines) - 1, 6)):
        following = lines[start + 1]
        if _HEADER_LINE.match(lines[start]) and (
            _HEADER_LINE.match(following) or following[:1] in (b" ", b"\t")
        ):
            problems.append(f"{start} line(s) before the headers were skipped")
            return b"\n".join(lines[start:])
    return raw


def _text_charset(msg: Message) -> str | None:
    for number, part in enumerate(msg.walk()):
        if number > 20:
            break
        if part.get_content_maintype() == "text":
            charset = part.get_content_charset()
            if charset:
                return str(charset)
    return None


def _parse_message(
    msg: Message, raw: bytes, problems: list[str], max_attachment_bytes: int | None
) -> ParsedMail:
    result = ParsedMail(problems=problems)

    senders = _address_header(msg, "From", problems)
    if not senders:
        senders = _address_header(msg, "Sender", problems) + _address_header(
            msg, "Reply-To", problems
        )
        if senders:
            problems.append("no usable From header; used Sender/Reply-To")
    result.to = _address_header(msg, "To", problems)
    result.cc = _address_header(msg, "Cc", problems)
    result.reply_to = _address_header(msg, "Reply-To", problems)
    result.delivered_to = [a for _, a in _address_header(msg, "Delivered-To", problems)]
    result.subject = _header(msg, "Subject", problems)[:998]
    result.message_id = next(
        iter(message_ids(_header(msg, "Message-ID", problems))), ""
    )
    result.in_reply_to = message_ids(_header(msg, "In-Reply-To", problems))
    result.references = message_ids(_header(msg, "References", problems))[-50:]
    date_text = _header(msg, "Date", problems)
    if date_text:
        try:
            date = email.utils.parsedate_to_datetime(date_text)
            result.date = date if date.tzinfo else date.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            problems.append("unreadable Date header")
    result.auto_submitted = _header(msg, "Auto-Submitted", problems).lower()
    result.precedence = _header(msg, "Precedence", problems).lower()
    result.auto_response_suppress = _header(
        msg, "X-Auto-Response-Suppress", problems
    ).lower()
    if msg.get("Return-Path") is not None:
        path = _header(msg, "Return-Path", problems)
        result.return_path = path.strip().strip("<>").strip().lower()
    result.list_id = _header(msg, "List-Id", problems)[:255]
    result.loop_token = _header(msg, "X-Podpora-Loop", problems)[:255]
    result.x_failed_recipients = _header(msg, "X-Failed-Recipients", problems)
    result.authentication_results = _headers_all(
        msg, "Authentication-Results", problems
    )[:20]
    result.arc_results = _headers_all(msg, "ARC-Authentication-Results", problems)[:20]
    try:
        result.content_type = msg.get_content_type()
        result.report_type = str(msg.get_param("report-type") or "").lower()
    except Exception:
        problems.append("unreadable Content-Type")

    body = _Body()
    try:
        _walk(msg, body, problems)
    except Exception as exc:
        problems.append(f"body partly unreadable ({type(exc).__name__})")
        if not body.text and not body.html:
            body.text.append(decode_bytes(raw.partition(b"\n\n")[2], "utf-8", problems))

    raw_html = "\n".join(h for h in body.html if h.strip())
    result.html = html_tools.sanitize(raw_html) if raw_html else ""
    trimmed_html = trim_html(raw_html) if raw_html else ""
    result.html_reply = (
        html_tools.sanitize(trimmed_html) if trimmed_html != raw_html else result.html
    )
    text = "\n\n".join(t.strip("\n") for t in body.text if t.strip())
    if not text and result.html:
        text = html_tools.to_text(result.html)
    result.text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    _cut_overlong_body(result, raw_html)

    for number, attachment in enumerate(body.attachments):
        if number >= MAX_ATTACHMENTS:
            problems.append(
                f"{len(body.attachments) - MAX_ATTACHMENTS} more attachments than "
                f"the limit of {MAX_ATTACHMENTS} were not put on the ticket; "
                "they are in the original mail"
            )
            break
        if max_attachment_bytes and len(attachment.content) > max_attachment_bytes:
            problems.append(
                f"attachment {attachment.name!r} ({len(attachment.content)} bytes) "
                "is over the size limit and was not kept on the ticket"
            )
            continue
        result.attachments.append(attachment)

    if senders:
        result.from_name, result.from_address = senders[0]
    elif result.return_path:
        result.from_address = result.return_path
        problems.append("no From header; used Return-Path")
    else:
        # "MAILER-DAEMON <>", "<MAILER-DAEMON>": no address, but a name that
        # says who wrote; a bounce must still find the mail of ours it is about.
        result.from_name = _header(msg, "From", problems).strip(" <>")[:200]
    if not result.from_address and not _is_delivery_report(result):
        result.failure = "The mail has no sender address."
    elif (
        not result.text.strip()
        and not result.attachments
        and not result.subject.strip()
        and not result.html
    ):
        result.failure = "The mail has no subject, text or attachments."
    return result


def _is_delivery_report(result: ParsedMail) -> bool:
    """A mail server's report about a mail: these come from the null sender and
    may carry no address at all."""
    return (
        result.content_type == "multipart/report"
        or result.return_path == ""
        or bool(_DAEMON_NAME.match(result.from_name))
    )


def _cut_overlong_body(result: ParsedMail, raw_html: str) -> None:
    """A body longer than anyone reads is cut, never refused: the ticket shows
    its first ``MAX_TEXT`` characters as text and gets the whole body as an
    attachment (``body_cut`` tells the intake to say so on the message)."""
    if len(result.text) <= MAX_TEXT and len(result.html) <= MAX_HTML:
        return
    if raw_html:
        original = ParsedAttachment(
            "original-message.html", raw_html.encode("utf-8", "replace"), "text/html"
        )
    else:
        original = ParsedAttachment(
            "original-message.txt", result.text.encode("utf-8", "replace"), "text/plain"
        )
    result.attachments.insert(0, original)
    result.body_cut = len(result.text)
    result.text = result.text[:MAX_TEXT]
    result.html = result.html_reply = ""
    result.problems.append(
        f"the body ({result.body_cut} characters) was cut to {MAX_TEXT}; "
        f"the whole of it is attached as {original.name}"
    )


def message_date(parsed: ParsedMail) -> datetime:
    return parsed.date or datetime.now(UTC)
