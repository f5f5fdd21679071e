"""Query terms, highlighting and snippets for ticket search.

Words are folded and matched by their Polish, Czech and English forms
through the normaliser shared with rules and the knowledge base
(``podpora.core.text``): ``drukarce`` finds ``drukarka`` and ``drukarkami``,
``printers`` finds ``printer``, ``wifi`` finds ``Wi-Fi``, and numbers match
whole.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from podpora.core.text import MAX_TERMS, Term, fold, index_text, terms

__all__ = ["Term", "fold", "highlight", "index_text", "query_terms", "snippet"]

# Words, hyphenated ones whole ("Wi-Fi" is marked for "wifi" and for "fi").
_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)


def query_terms(query: str) -> list[Term]:
    """The terms of a query; "#10042" → the whole number 10042."""
    return terms(query, limit=MAX_TERMS)


def _matches(word: str, terms: list[Term]) -> bool:
    folded = fold(word)
    forms = {folded.replace("-", ""), *folded.split("-")}
    return any(term.matches(form) for term in terms for form in forms)


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
