"""Pure text functions for search: folding, query terms and highlighting.

Polish and Czech inflect words at the end (faktura, faktury, fakturou), so a
query word is cut to a prefix before it is matched: two letters off a long
word, one off a middle-sized one. Accents are folded on both sides, so
``zolty`` finds ``żółty`` and ``prilis`` finds ``příliš``.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Letters that carry no combining mark to strip (NFKD leaves them whole).
_SPECIAL = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"}
)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def fold(text: str) -> str:
    """Lower-case ASCII-ish text: accents removed, "ł" → "l"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool  # match words that start with it; numbers match whole

    def matches(self, folded_word: str) -> bool:
        if self.prefix:
            return folded_word.startswith(self.text)
        return folded_word == self.text


def stem(word: str) -> str:
    length = len(word)
    if length >= 7:
        return word[: length - 2]
    if length >= 5:
        return word[: length - 1]
    return word


def query_terms(query: str) -> list[Term]:
    """The words of a query, folded and cut for inflection; "#10042" → 10042."""
    terms: list[Term] = []
    seen: set[str] = set()
    for word in _WORD.findall(fold(query)):
        word = word.strip("_")
        if not word or word in seen:
            continue
        seen.add(word)
        if word.isdigit():
            terms.append(Term(word, prefix=False))
        else:
            terms.append(Term(stem(word), prefix=True))
    return terms[:MAX_TERMS]


def _matches(word: str, terms: list[Term]) -> bool:
    folded = fold(word)
    return any(term.matches(folded) for term in terms)


def highlight(text: str, terms: list[Term]) -> SafeString:
    """The whole text, escaped, with matching words in ``<mark>``."""
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        if _matches(match.group(), terms):
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group())}</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def snippet(text: str, terms: list[Term], *, words: int = 30) -> SafeString:
    """About ``words`` words around the first match, highlighted; the start of
    the text when nothing matches (the hit was in another field)."""
    found = [m for m in _WORD.finditer(text) if _matches(m.group(), terms)]
    all_words = list(_WORD.finditer(text))
    if not all_words:
        return mark_safe("")
    if found:
        index = next(
            i for i, m in enumerate(all_words) if m.start() == found[0].start()
        )
    else:
        index = 0
    first = max(0, index - words // 3)
    last = min(len(all_words) - 1, first + words)
    start = all_words[first].start()
    end = all_words[last].end()
    while end < len(text) and not text[end].isspace():
        end += 1  # keep the punctuation that closes the last word
    piece = " ".join(text[start:end].split())
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text.rstrip()) else ""
    return mark_safe(escape(prefix) + highlight(piece, terms) + escape(suffix))
