import pytest

from podpora.kb.normalize import fold, matches, query_terms, search_text


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
        ("faktura", "fakturze"),
        ("zolty", "żółty"),
        ("zolty", "żółtego"),
        ("prilis", "příliš"),
        ("drukarka", "drukarki"),
        ("drukarce", "drukarka"),
        ("drukarkami", "drukarki"),
        ("hasło", "hasła"),
        ("heslo", "heslem"),
        ("tiskárna", "tiskárnou"),
        ("tiskárně", "tiskárny"),
        ("printers", "printer"),
        ("wifi", "Wi-Fi"),
        ("e-mail", "email"),
    ],
)
def test_a_word_finds_its_other_forms(query, stored):
    (term,) = query_terms(query)
    assert matches(search_text(stored), term)


@pytest.mark.parametrize(
    ("query", "stored"), [("drukarka", "druk"), ("faktura", "fakt"), ("konto", "kot")]
)
def test_a_word_does_not_find_shorter_words(query, stored):
    (term,) = query_terms(query)
    assert not matches(search_text(stored), term)


def test_numbers_are_matched_whole():
    stored = search_text("Błąd 0x80070005 w Windows 11")
    assert matches(stored, query_terms("11")[0])
    assert not matches(stored, query_terms("1")[0])


def test_short_words_are_ignored_in_queries_unless_alone():
    assert [t.text for t in query_terms("problem z VPN na laptopie")] == [
        "problem",
        "vpn",
        "laptopie",
    ]
    assert [t.text for t in query_terms("na")] == ["na"]


def test_search_text_lists_each_word_once_between_spaces():
    assert search_text("Faktura", "faktura i Wi-Fi") == " faktura i wi fi wifi "
    assert search_text("") == ""
