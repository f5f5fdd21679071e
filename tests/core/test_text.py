"""The shared normaliser: folding, word forms and hyphenated spellings."""

import pytest

from podpora.core.text import contains, fold, index_text, match_words, stems, terms


def _finds(query: str, stored: str) -> bool:
    stored_words = match_words(stored)
    return all(
        any(term.matches(word) for word in stored_words) for term in terms(query)
    )


def test_fold_strips_polish_and_czech_diacritics_and_case():
    assert fold("Żółty Łabędź") == "zolty labedz"
    assert fold("PŘÍLIŠ žluťoučký kůň") == "prilis zlutoucky kun"


FAMILIES = {
    "pl drukarka": "drukarka drukarki drukarce drukarkami drukarkę drukarką drukarek",
    "cs tiskárna": "tiskárna tiskárny tiskárně tiskárnou tiskárnu tiskáren tiskarne",
    "pl faktura": "faktura faktury fakturze fakturą fakturę fakturami",
    "cs faktura": "faktura faktury faktuře fakturou fakturu",
    "pl hasło": "hasło hasła haśle hasłem haseł haslo",
    "cs heslo": "heslo hesla hesle heslem",
    "en printer": "printer printers Printers",
}


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        (query, stored)
        for family in FAMILIES.values()
        for query in family.split()
        for stored in family.split()
    ],
)
def test_every_form_of_a_word_finds_every_other(query, stored):
    assert _finds(query, stored)


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("drukarka", "druk"),
        ("drukarkami", "wydruku"),
        ("faktura", "fakt"),
        ("tiskárna", "tisk"),
        ("konto", "kot"),
        ("hasło", "has"),
        ("printers", "print"),
        ("10042", "100420"),
        ("wifi", "wi"),
    ],
)
def test_a_word_does_not_find_shorter_or_unrelated_words(query, stored):
    assert not _finds(query, stored)


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("wifi", "Wi-Fi"),
        ("wi-fi", "wifi"),
        ("wi fi", "Wi-Fi"),
        ("wi fi", "wifi"),
        ("email", "e-mail"),
        ("e-mail", "email"),
        ("e mail", "E-mailem"),
    ],
)
def test_hyphenated_joined_and_split_spellings_find_each_other(query, stored):
    assert _finds(query, stored)


def test_stems_are_never_shorter_than_four_letters():
    assert all(len(stem) >= 4 for stem in stems("koncie"))
    assert stems("osa") == ("osa",)


def test_numbers_are_whole_terms():
    (term,) = terms("#10042")
    assert term.whole
    assert term.matches("10042")
    assert not term.matches("100420")


def test_a_keyword_of_several_words_matches_them_in_a_row():
    text = match_words("Proszę o nową drukarkę do biura.")
    assert contains(text, terms("nowa drukarka"))
    assert not contains(text, terms("drukarka nowa"))


def test_stored_text_keeps_the_joined_forms_of_hyphenated_words():
    assert index_text("Wi-Fi i E-mail") == "wi-fi i e-mail\nwifi email"
    assert index_text("Drukarka") == "drukarka"
