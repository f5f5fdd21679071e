"""SQLite's typo fallback: query words that the index does not know are
replaced by the closest indexed word (edit distance 1, or 2 for words of
seven letters or more) among a bounded set of candidates that share the
first letter and have a similar length. PostgreSQL uses trigram similarity
instead (``services._fuzzy_postgres``)."""

from django.db import connection

from podpora.core.text import Term, terms

# At most this many indexed words are compared with one query word.
MAX_CANDIDATES = 5000
_LAST = "\U0010ffff"


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` when it is
    larger than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (letter != other),
                )
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _known(cursor, prefixes: tuple[str, ...]) -> bool:
    for prefix in prefixes:
        cursor.execute(
            "SELECT 1 FROM search_fts_vocab WHERE term >= %s AND term < %s LIMIT 1",
            [prefix, prefix + _LAST],
        )
        if cursor.fetchone():
            return True
    return False


def _closest(cursor, word: str) -> str:
    limit = 2 if len(word) >= 7 else 1
    cursor.execute(
        "SELECT term, doc FROM search_fts_vocab WHERE term >= %s AND term < %s"
        " AND length(term) BETWEEN %s AND %s LIMIT %s",
        [
            word[0],
            word[0] + _LAST,
            len(word) - limit,
            len(word) + limit,
            MAX_CANDIDATES,
        ],
    )
    best: tuple[int, int, str] | None = None
    for term, documents in cursor.fetchall():
        found = distance(word, term, limit)
        if found <= limit and (best is None or (found, -documents) < best[:2]):
            best = (found, -documents, term)
    return best[2] if best else ""


def corrected(query_terms: list[Term]) -> list[Term]:
    """The terms with unknown words replaced by their closest indexed word;
    ``[]`` when nothing could be corrected."""
    result: list[Term] = []
    changed = False
    with connection.cursor() as cursor:
        for term in query_terms:
            if term.whole or len(term.text) < 4 or _known(cursor, term.prefixes):
                result.append(term)
                continue
            closest = _closest(cursor, term.text)
            if not closest:
                return []
            result.extend(terms(closest, limit=1))
            changed = True
    return result if changed else []
