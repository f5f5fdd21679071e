"""Quoted history and signatures, cut from what the thread shows.

Pure functions: the full original stays on the message (``data["full_text"]``)
and in the raw mail; only the visible part is trimmed. Trimming is applied to
replies that joined an existing ticket, never to a mail that opens one: a
forwarded error report on a new ticket is the request itself.
"""

import re

# "On Mon, 3 Mar 2025 Anna wrote:" and its Polish and Czech forms, possibly
# wrapped over two lines by the sender's mail program.
_ATTRIBUTION = re.compile(
    r"^(?:On\b.{0,200}\bwrote:"
    r"|W dniu\b.{0,200}\b(?:pisze|napisał|napisała|napisał\(a\)):"
    r"|Dnia\b.{0,200}\b(?:pisze|napisał|napisała):"
    r"|Dne\b.{0,200}\b(?:napsal|napsala|napsal\(a\)|píše):"
    r"|Am\b.{0,200}\bschrieb.{0,60}:"
    r"|Le\b.{0,200}\ba écrit\s*:)\s*$",
    re.I | re.S,
)
_SEPARATORS = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Oryginalna wiadomość|Wiadomość oryginalna"
    r"|Původní zpráva|Ursprüngliche Nachricht)\s*-{2,}"
    r"|_{20,})\s*$",
    re.I,
)
# Outlook's header block: "From: …" followed within a few lines by "Sent: …".
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|Od|Von)\s*:\*?\s", re.I)
_OUTLOOK_SENT = re.compile(
    r"^\s*\*?(?:Sent|Date|Wysłano|Data|Odesláno|Datum|Gesendet)\s*:\*?\s", re.I
)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^(?:Sent from my \w+|Wysłane z (?:mojego )?\w+|Odesláno z (?:mého )?\w+)",
    re.I,
)


def split_reply(text: str) -> tuple[str, str]:
    """``(visible, trimmed)``: the new words, and the history and signature cut off.

    If cutting would leave nothing, nothing is cut (a reply written below the
    quote, or a mail that is all quote, is shown whole).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    cut = _find_cut(lines)
    if cut is None:
        return text.strip(), ""
    visible = "\n".join(lines[:cut]).rstrip()
    if not visible.strip():
        return text.strip(), ""
    return visible, "\n".join(lines[cut:]).strip()


def _find_cut(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _SIGNATURE.match(line) or _SEPARATORS.match(line):
            return index
        if _MOBILE.match(stripped) and index >= 1:
            return index
        if _ATTRIBUTION.match(stripped):
            return index
        # An attribution wrapped over two lines.
        if (
            index + 1 < len(lines)
            and _ATTRIBUTION.match(f"{stripped} {lines[index + 1].strip()}")
            and (stripped.lower().startswith(("on ", "w dniu", "dne ", "dnia")))
        ):
            return index
        if _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_SENT.match(following) for following in lines[index + 1 : index + 4]
        ):
            return index
        if stripped.startswith(">") and _rest_is_quote(lines[index:]):
            return index
    return None


def _rest_is_quote(lines: list[str]) -> bool:
    # A ">" block only counts as history if nothing new is written below it
    # (an interleaved answer is kept whole).
    return all(not line.strip() or line.lstrip().startswith(">") for line in lines)


_HTML_QUOTE_MARKERS = re.compile(
    r"<div[^>]*class=\"?gmail_quote"
    r"|<blockquote[^>]*type=\"?cite"
    r"|<div[^>]*id=\"?divRplyFwdMsg"
    r"|<div[^>]*id=\"?appendonsend"
    r"|<hr[^>]*id=\"?stopSpelling"
    r"|<div[^>]*class=\"?moz-cite-prefix"
    r"|<div[^>]*class=\"?(?:gmail_signature|moz-signature)",
    re.I,
)


def trim_html(raw_html: str) -> str:
    """Cut an HTML reply at the first well-known quote container (before
    sanitising, which drops the classes and ids that mark it)."""
    match = _HTML_QUOTE_MARKERS.search(raw_html)
    if not match or not raw_html[: match.start()].strip():
        return raw_html
    return raw_html[: match.start()]
