"""A Django date format (``"SHORT_DATETIME_FORMAT"`` and the like) compiled
once into a list of pieces, for lists that format many dates.

``django.utils.dateformat.format`` parses the format string and builds an
object for every date it formats; on a queue page that was most of the cost
of a row. The characters the usual formats use (day, month, year, hour,
minute, second) are done here with plain arithmetic. Any other format
character is handed to Django for that character alone, and the format
string is split exactly as Django splits it, so the result is always the one
Django's ``date`` filter gives.
"""

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.translation import get_language
from django.utils.translation import gettext as _

Piece = Callable[[dt.datetime], str]

_ARITHMETIC: dict[str, Piece] = {
    "d": lambda d: f"{d.day:02d}",
    "j": lambda d: str(d.day),
    "m": lambda d: f"{d.month:02d}",
    "n": lambda d: str(d.month),
    "y": lambda d: f"{d.year % 100:02d}",
    "Y": lambda d: f"{d.year:04d}",
    "H": lambda d: f"{d.hour:02d}",
    "G": lambda d: str(d.hour),
    "g": lambda d: str(d.hour % 12 or 12),
    "h": lambda d: f"{d.hour % 12 or 12:02d}",
    "i": lambda d: f"{d.minute:02d}",
    "s": lambda d: f"{d.second:02d}",
}


def _twelve_hour(words: dict[str, str]) -> dict[str, Piece]:
    """ "a", "A" and "P" (``4:30 p.m.``, ``midnight``) in words of the language
    the format was compiled for."""

    def a(d: dt.datetime) -> str:
        return words["p.m."] if d.hour > 11 else words["a.m."]

    def p(d: dt.datetime) -> str:
        if d.minute == 0 and d.hour in (0, 12):
            return words["midnight"] if d.hour == 0 else words["noon"]
        hour = d.hour % 12 or 12
        return f"{hour}:{d.minute:02d} {a(d)}" if d.minute else f"{hour} {a(d)}"

    return {
        "a": a,
        "A": lambda d: words["PM"] if d.hour > 11 else words["AM"],
        "P": p,
    }


def _by_django(char: str) -> Piece:
    return lambda d: str(getattr(DateFormat(d), char)())


def _literal(text: str) -> Piece:
    return lambda d: text


@lru_cache(maxsize=64)
def _compile(format_string: str, language: str | None) -> tuple[Piece, ...]:
    # The same words Django's TimeFormat uses (its msgids), in this language.
    words = {w: _(w) for w in ("a.m.", "p.m.", "AM", "PM", "midnight", "noon")}
    known = {**_ARITHMETIC, **_twelve_hour(words)}
    pieces: list[Piece] = []
    for i, part in enumerate(re_formatchars.split(format_string)):
        if i % 2:
            pieces.append(known.get(part) or _by_django(part))
        elif part:
            pieces.append(_literal(re_escaped.sub(r"\1", part)))
    return tuple(pieces)


def formatter(format_string: str) -> Callable[[dt.datetime], str]:
    """``format(value)`` for a datetime already in the time zone to show, in
    the current language."""
    pieces = _compile(format_string, get_language())
    return lambda value: "".join([piece(value) for piece in pieces])
