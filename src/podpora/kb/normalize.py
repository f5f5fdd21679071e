"""Search text for articles: diacritics-insensitive and tolerant of Polish and
Czech word endings, identical on SQLite and PostgreSQL.

Both the stored column and the query go through :func:`stems`, so a word is
found whatever case ending either side used: ``faktura``, ``faktury`` and
``fakturou`` all become ``faktur``. The stemmer is deliberately light (it
only cuts a known ending and never leaves fewer than three letters); the
query side additionally matches stored words by prefix, which catches stem
alternations such as ``faktura`` → ``fakturze``. No dictionary, no database
extension: the normalisation is plain Python and fully tested.
"""

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus a mark.
_NON_DECOMPOSABLE = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i", "ŀ": "l", "æ": "ae", "œ": "oe"}
)
_WORD = re.compile(r"[^\W_]+")

# Case and number endings of Polish and Czech nouns and adjectives, already
# without diacritics, longest first so that "-ami" wins over "-i".
_SUFFIXES = tuple(
    sorted(
        {
            # Polish
            "owie",
            "ami",
            "ach",
            "ych",
            "ich",
            "ymi",
            "imi",
            "emu",
            "ego",
            "owi",
            "ow",
            "om",
            "em",
            "ie",
            "ej",
            "ym",
            "im",
            # Czech
            "ou",
            "ech",
            "ho",
            "mu",
            "ove",
            "um",
            # shared single vowels
            "a",
            "e",
            "i",
            "o",
            "u",
            "y",
        },
        key=len,
        reverse=True,
    )
)
MIN_STEM = 3


def fold(text: str) -> str:
    """Casefold and strip diacritics: ``Żółty Příliš`` → ``zolty prilis``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(_NON_DECOMPOSABLE)


def stem(word: str) -> str:
    """Cut one Polish or Czech case ending off a folded word."""
    if word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    """The stems of every word in ``text``, in order, repeats kept."""
    return [stem(word) for word in _WORD.findall(fold(text))]


def search_text(*parts: str) -> str:
    """The value of an article's search column: unique stems between spaces,
    so ``" stem"`` marks the start of a word for a LIKE match."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in stems(part):
            seen.setdefault(word, None)
    return " " + " ".join(seen) + " " if seen else ""


def query_terms(query: str, *, limit: int = 8) -> list[str]:
    """The distinct stems a query is made of; very short words (``a``, ``w``,
    ``na``) are dropped unless they are all there is."""
    words = list(dict.fromkeys(stems(query)))
    meaningful = [w for w in words if len(w) >= 3 or w.isdigit()]
    return (meaningful or words)[:limit]
