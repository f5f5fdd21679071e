"""The one text normaliser for Polish, Czech and English words, shared by
rule keywords (``automation.conditions``), ticket search (``search``) and the
knowledge base (``kb``).

Both sides of a match go through :func:`fold` (case folded, diacritics
stripped, ``ł`` → ``l``), so ``zolty`` finds ``żółty`` and ``prilis`` finds
``příliš``. Stored text stays whole words; a *query* word (or a rule keyword)
becomes a :class:`Term`: the stems that the Snowball Polish and Czech
stemmers (and an English plural rule) give for it, each matched as the start
of a stored word. So ``drukarce`` gives ``drukark``/``drukarc`` and finds
``drukarka``, ``drukarki``, ``drukarkami`` and ``drukarce``; ``fakturze``
gives ``faktur`` and finds ``faktura``, ``faktuře``, ``fakturą``. A stem is
never shorter than four letters, so ``drukarka`` does not find ``druk`` and
``konto`` does not find ``kot``. Numbers match whole.

Hyphenated words are also stored joined (:func:`joined_words`): ``Wi-Fi``
is found by ``wifi``, ``wi-fi`` and ``wi fi``, ``e-mail`` by ``email``.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Letters that Unicode does not decompose into a base letter plus a mark.
_NON_DECOMPOSABLE = str.maketrans(
    {
        **{"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i", "ŀ": "l"},
        **{"æ": "ae", "œ": "oe", "ß": "ss", "Ł": "L", "Đ": "D", "Ø": "O", "Ħ": "H"},
    }
)
_WORD = re.compile(r"[^\W_]+")
# Two or more words joined by hyphens: "Wi-Fi", "e-mail", "COVID-19".
_HYPHENATED = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
_QUERY_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
MIN_STEM = 4
MAX_TERMS = 8
# Polish stems whose last consonant changes before -e (drukarka →
# drukarce, faktura → fakturze, mucha → musze, noga → nodze): a stem ending
# as on the left also finds words going on as on the right, and a word
# ending in -e whose stem ends as on the right also finds the left. The
# Czech ones (faktura → faktuře) fold to the same letters.
_ALTERNATIONS = (("k", "c"), ("r", "rz"), ("ch", "sz"), ("g", "dz"))

_POLISH = snowballstemmer.stemmer("polish")
_CZECH = snowballstemmer.stemmer("czech")
_ENGLISH = snowballstemmer.stemmer("english")


def strip_marks(text: str) -> str:
    """Diacritics stripped, case kept (for regular expressions, where
    casefolding would turn ``\\D`` into ``\\d``)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NON_DECOMPOSABLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Casefold and strip diacritics: ``Żółty Příliš`` → ``zolty prilis``."""
    return strip_marks(text.casefold())


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))


def joined_words(text: str) -> list[str]:
    """Hyphenated words written without their hyphens (``wi-fi`` → ``wifi``),
    folded; stored beside the text so that either spelling finds them."""
    return [m.group().replace("-", "") for m in _HYPHENATED.finditer(fold(text))]


def index_text(text: str) -> str:
    """Folded text as it is stored for matching: the text, then the joined
    forms of its hyphenated words."""
    folded = fold(text)
    joined = joined_words(text)
    return f"{folded}\n{' '.join(joined)}" if joined else folded


@lru_cache(maxsize=8192)
def stems(word: str) -> tuple[str, ...]:
    """The prefixes a stored word may start with to be a form of ``word``
    (a single word, any case, with or without diacritics): fewest and
    longest first, none a prefix of another."""
    folded = fold(word)
    if not folded:
        return ()
    candidates = {folded}
    for original in {word.casefold(), folded}:
        for stemmer in (_POLISH, _CZECH):
            candidates.add(fold(stemmer.stemWord(original)))
    if folded.endswith("s") and not folded.endswith("ss"):
        candidates.add(_ENGLISH.stemWord(folded))  # printers → printer
    kept = {c for c in candidates if len(c) >= MIN_STEM and folded.startswith(c[:3])}
    kept.add(folded)
    for candidate in list(kept):
        for plain, changed in _ALTERNATIONS:
            if len(candidate) > MIN_STEM and candidate.endswith(plain):
                kept.add(candidate[: -len(plain)] + changed)
            elif folded.endswith(changed + "e") and candidate.endswith(changed):
                base = candidate[: -len(changed)] + plain
                if len(base) > MIN_STEM:
                    kept.add(base)
    kept |= _fleeting_e(folded, kept)
    minimal = {c for c in kept if not any(o != c and c.startswith(o) for o in kept)}
    return tuple(sorted(minimal, key=lambda c: (len(c), c)))


_VOWELS = frozenset("aeiouy")


def _consonants(*letters: str) -> bool:
    return all(letter.isalpha() and letter not in _VOWELS for letter in letters)


def _fleeting_e(folded: str, kept: set[str]) -> set[str]:
    """The genitive plural puts an ``e`` between two final consonants
    (drukarka → drukarek, tiskárna → tiskáren, hasło → haseł): stems that
    end in two consonants also find it, and such a word finds the others."""
    more = set()
    for stem in kept:
        if stem != folded and len(stem) >= MIN_STEM and _consonants(*stem[-2:]):
            more.add(f"{stem[:-1]}e{stem[-1]}")
    if len(folded) >= 5 and folded[-2] == "e" and _consonants(folded[-3], folded[-1]):
        shorter = folded[:-2] + folded[-1]
        if len(shorter) >= MIN_STEM:
            more.add(shorter)
    return more


@dataclass(frozen=True)
class Term:
    """One word of a query or keyword: a stored word matches when it starts
    with one of ``prefixes`` (numbers: when it equals ``text``). A pair such
    as ``wi fi`` is one term whose ``prefixes`` are the joined word and whose
    ``parts`` are the two words: a search also takes both anywhere, a rule
    keyword both in a row."""

    text: str
    prefixes: tuple[str, ...]
    whole: bool = False
    parts: tuple["Term", ...] = ()

    def matches(self, folded_word: str) -> bool:
        """Whether one stored word is this term (or one of its parts)."""
        if self.whole:
            return folded_word == self.text
        return folded_word.startswith(self.prefixes) or any(
            part.matches(folded_word) for part in self.parts
        )

    def matches_at(self, folded_words: Sequence[str], index: int) -> int:
        """How many words from ``index`` on this term covers (0: no match)."""
        if index >= len(folded_words):
            return 0
        if self.parts and all(
            part.matches_at(folded_words, index + offset) == 1
            for offset, part in enumerate(self.parts)
        ):
            return len(self.parts)
        word = folded_words[index]
        if self.whole:
            return int(word == self.text)
        return int(word.startswith(self.prefixes))


def _term(word: str) -> Term:
    folded = fold(word)
    if folded.isdigit():
        return Term(folded, (folded,), whole=True)
    return Term(folded, stems(word))


# Short Polish and Czech words that stand on their own: never joined with
# the next word as "wi fi" and "e mail" are.
_SHORT_WORDS = frozenset(
    [
        "a",
        "i",
        "o",
        "u",
        "w",
        "z",
        "v",
        "s",
        "k",
        "na",
        "do",
        "za",
        "po",
        "od",
        "ze",
        "we",
        "ve",
        "se",
        "ku",
        "ke",
        "to",
        "je",
        "ta",
        "ty",
        "my",
        "mi",
        "ja",
        "no",
        "ne",
        "on",
        "ho",
        "mu",
        "co",
        "si",
        "by",
        "az",
        "iz",
        "at",
        "uz",
        "ci",
        "ma",
        "me",
    ]
)


def terms(text: str, *, limit: int = MAX_TERMS) -> list[Term]:
    """The terms of a query or keyword, in order, each once. A hyphenated
    word becomes one joined term; a word of one or two letters that does
    not stand on its own (``wi fi``, ``e mail``) is joined with the next
    into one term matching either the joined word or the two words."""
    raw = [piece.replace("-", "") for piece in _QUERY_WORD.findall(text)]
    result: list[Term] = []
    seen: set[str] = set()
    index = 0
    while index < len(raw):
        word = raw[index]
        following = raw[index + 1] if index + 1 < len(raw) else ""
        if (
            following
            and len(word) <= 2
            and fold(word) not in _SHORT_WORDS
            and (word + following).isalpha()
        ):
            term = Term(
                fold(word + following),
                stems(word + following),
                parts=(_term(word), _term(following)),
            )
            index += 2
        else:
            term = _term(word)
            index += 1
        if term.text and term.text not in seen:
            seen.add(term.text)
            result.append(term)
    return result[:limit]


def match_words(text: str) -> list[str]:
    """The words a keyword is looked for in: :func:`words`, then the
    joined forms of hyphenated words."""
    return words(text) + joined_words(text)


def contains(text_words: Sequence[str], keyword_terms: Sequence[Term]) -> bool:
    """Whether the terms of a keyword occur as words in a row of
    ``text_words`` (folded words, as :func:`words` gives them)."""
    if not keyword_terms:
        return False
    for start in range(len(text_words)):
        index = start
        for term in keyword_terms:
            covered = term.matches_at(text_words, index)
            if not covered:
                break
            index += covered
        else:
            return True
    return False
