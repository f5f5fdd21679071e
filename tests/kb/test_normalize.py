import pytest

from podpora.kb.normalize import fold, query_terms, search_text, stem, stems


def test_fold_strips_polish_and_czech_diacritics_and_case():
    assert fold("Żółty Łabędź") == "zolty labedz"
    assert fold("PŘÍLIŠ žluťoučký kůň") == "prilis zlutoucky kun"


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("faktura", "faktury"),
        ("faktura", "fakturou"),
        ("faktura", "fakturami"),
        ("faktury", "faktura"),
        ("zolty", "żółty"),
        ("zolty", "żółtego"),
        ("prilis", "příliš"),
        ("drukarka", "drukarki"),
        ("hasło", "hasła"),
        ("heslo", "heslem"),
        ("tiskárna", "tiskárnou"),
    ],
)
def test_a_word_finds_its_other_endings(query, stored):
    (term,) = query_terms(query)
    assert f" {term}" in search_text(stored)


def test_stems_keep_at_least_three_letters():
    assert stem("osa") == "osa"
    assert stem("ulica") == "ulic"


def test_numbers_are_kept_whole():
    assert stems("Błąd 0x80070005 w Windows 11") == [
        "blad",
        "0x80070005",
        "w",
        "windows",
        "11",
    ]


def test_short_words_are_ignored_in_queries_unless_alone():
    assert query_terms("problem z VPN na laptopie") == ["probl", "vpn", "laptop"]
    assert query_terms("na") == ["na"]


def test_search_text_lists_each_stem_once_between_spaces():
    assert search_text("Faktura", "faktury i fakturou") == " faktur i "
    assert search_text("") == ""
