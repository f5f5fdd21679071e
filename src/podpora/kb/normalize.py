"""Search text for articles, through the normaliser shared with ticket search
and rules (``podpora.core.text``), identical on SQLite and PostgreSQL.

The stored columns hold each folded word once between spaces (hyphenated
words also joined: ``wi-fi`` and ``wifi``), so ``" word"`` marks the start of
a word for a LIKE match. A query word becomes a :class:`Term`: an article
matches when a stored word starts with one of the term's stems, so
``drukarce`` finds ``drukarka`` and ``drukarkami``, and ``printers`` finds
``printer``. No dictionary, no database extension.
"""

from django.db.models import Q

from podpora.core.text import Term, fold, match_words, terms

__all__ = ["Term", "fold", "matches", "query_terms", "search_text", "stored_match"]


def search_text(*parts: str) -> str:
    """The value of an article's search column: unique folded words (and
    joined hyphenated words) between spaces."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in match_words(part):
            seen.setdefault(word, None)
    return " " + " ".join(seen) + " " if seen else ""


def query_terms(query: str, *, limit: int = 8) -> list[Term]:
    """The terms a query is made of; very short words (``a``, ``w``, ``na``)
    are dropped unless they are all there is."""
    found = terms(query, limit=50)
    meaningful = [t for t in found if len(t.text) >= 3 or t.whole]
    return (meaningful or found)[:limit]


def stored_match(column: str, term: Term) -> Q:
    """Articles whose ``column`` (a search column) has a word of ``term``."""
    if term.whole:
        return Q(**{f"{column}__contains": f" {term.text} "})
    found = Q()
    for prefix in term.prefixes:
        found |= Q(**{f"{column}__contains": f" {prefix}"})
    if term.parts:
        both = Q()
        for part in term.parts:
            both &= stored_match(column, part)
        found |= both
    return found


def matches(stored: str, term: Term) -> bool:
    """:func:`stored_match` in Python, over a search column's value."""
    if term.whole:
        return f" {term.text} " in stored
    if any(f" {prefix}" in stored for prefix in term.prefixes):
        return True
    return bool(term.parts) and all(matches(stored, part) for part in term.parts)
