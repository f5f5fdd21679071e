"""Sanitised HTML for message bodies and the plain text derived from it."""

import html as html_lib
import re
from urllib.parse import unquote

import nh3

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
}
# cid: is rewritten to our attachment URL by the mail intake before display.
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


# Deeper than this, elements add nothing a reader can see, and HTML parsers
# (nh3's included) take time quadratic in the depth: a mail of 85,000 nested
# <div>s took 30 s. Tags past this depth are dropped, their text is kept.
MAX_NESTING = 200
_ANY_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*>")
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


def bounded_nesting(html: str, limit: int = MAX_NESTING) -> str:
    """The HTML with every element nested deeper than ``limit`` unwrapped.

    One pass of a regular expression, so linear in the length: this runs
    before any HTML parser sees text from outside. Unclosed elements count as
    open, which only makes the cut come sooner.
    """
    depth = 0

    def visit(tag: re.Match[str]) -> str:
        nonlocal depth
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _VOID or tag.group(0).endswith("/>"):
            return tag.group(0)
        if closing:
            depth = max(depth - 1, 0)
            return "" if depth >= limit else tag.group(0)
        depth += 1
        return "" if depth > limit else tag.group(0)

    return _ANY_TAG.sub(visit, html)


_URL_ATTRIBUTES = frozenset({("a", "href"), ("img", "src")})
# What browsers ignore in a URL: ASCII tab and newlines anywhere, C0 controls
# and spaces around it.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def _safe_url(element: str, attribute: str, value: str) -> str | None:
    """A second look at every URL nh3 let through: with whatever a browser
    (or a later decoder) might strip or decode taken out, the scheme must
    still be one we allow, or the attribute goes. ``DATA:``, ``&#100;ata:``,
    ``java\tscript:``, ``da%74a:`` and the like never survive."""
    if (element, attribute) not in _URL_ATTRIBUTES:
        return value
    seen = value
    for _ in range(3):  # entities and percent-escapes, nested a few levels
        seen = _IGNORED_IN_URL.sub("", unquote(html_lib.unescape(seen))).lower()
    scheme = _SCHEME.match(seen)
    if scheme and scheme.group(1) not in _URL_SCHEMES:
        return None
    return value


def sanitize(html: str) -> str:
    """Remove scripts, event handlers, styles and anything else that could run
    or phone home; links open with ``rel="noopener noreferrer nofollow"``.
    Only http, https, mailto, tel and cid URLs survive, however spelt."""
    if not html:
        return ""
    return nh3.clean(
        bounded_nesting(html),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_safe_url,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def block_remote_images(html: str) -> tuple[str, int]:
    """Sanitised HTML with the source of every image that is not an inline
    attachment (``cid:``) removed, and how many were: a remote image is a
    tracking pixel until the reader says otherwise, and even our own URLs
    have no business in a message from outside. Size and alt text stay, so
    the layout holds and the reader sees what is missing."""
    if "<img" not in html.lower():
        return html, 0
    blocked = 0

    def keep_inline_only(element: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        inline = value.strip().lower().startswith("cid:")
        if (element, attribute) == ("img", "src") and not inline:
            blocked += 1
            return None
        return _safe_url(element, attribute, value)

    cleaned = nh3.clean(
        bounded_nesting(html),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=keep_inline_only,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned, blocked


_PARAGRAPH_END = re.compile(r"</(p|div|h[1-6]|blockquote|pre|table|ul|ol)\s*>", re.I)
_LINE_END = re.compile(r"</(li|tr)\s*>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n(\s*\n)+")


def to_text(html: str) -> str:
    """Readable plain text from HTML (for HTML-only mail, search and previews)."""
    if not html:
        return ""
    cleaned = nh3.clean(
        bounded_nesting(html), tags=_ALLOWED_TAGS - {"img"}, attributes={}
    )
    text = _LINE_END.sub("\n", _PARAGRAPH_END.sub("\n\n", cleaned))
    text = _TAG.sub("", text)
    text = html_lib.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """Escaped paragraphs for a plain-text message."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(
        "<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>"
        for p in paragraphs
        if p
    )
