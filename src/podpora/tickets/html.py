"""Sanitised HTML for message bodies and the plain text derived from it."""

import html as html_lib
import re

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


def sanitize(html: str) -> str:
    """Remove scripts, event handlers, styles and anything else that could run
    or phone home; links open with ``rel="noopener noreferrer nofollow"``."""
    if not html:
        return ""
    return nh3.clean(
        bounded_nesting(html),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


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
