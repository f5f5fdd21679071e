"""Text from outside, fit to keep: no control characters.

A control character in a name or subject is invisible to whoever typed it
and poison to what comes after (XML, hence every XLSX export, refuses C0
controls; terminals and CSV readers act on them). Every door that stores a
name, subject or field value passes it through :func:`printable`.
"""

import re

# C0 controls except tab/newline/carriage return, DEL, C1 controls, the
# line and paragraph separators, lone surrogates and the two non-characters
# that XML forbids.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)
_LINE_BREAKS = re.compile(r"[\t\r\n]+")


def without_controls(text: str) -> str:
    """``text`` with the control characters removed and nothing else touched
    (tabs and line breaks stay as they are)."""
    return _CONTROLS.sub("", text)


def printable(text: str, *, multiline: bool = False) -> str:
    """``text`` without control characters; one line unless ``multiline``
    (then tabs and line breaks stay, with ``\\r\\n`` made ``\\n``)."""
    if not text:
        return ""
    text = _CONTROLS.sub("", str(text))
    if multiline:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return _LINE_BREAKS.sub(" ", text)
