"""Rule conditions: a pure evaluation over a ticket snapshot."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podpora.automation.conditions import (
    FIELD_OPS,
    ConditionError,
    Snapshot,
    check,
    evaluate,
    fold,
    validate,
)

INVOICE = Snapshot(
    subject="Faktura VAT 12/2026 – błędna kwota",
    body="Dzień dobry, w załączniku PDF z fakturą.",
    sender_email="Anna@Kowalski.pl",
    organization="7",
    channel="email",
    priority="2",
    status="new",
    team="",
    tags=frozenset({"vip"}),
    labels={("organization", "7"): "Kowalski Logistyka"},
)


def cond(field, op, value=""):
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zażółć gęślą jaźń", "zazolc gesla jazn"),
        ("ŁÓDŹ", "lodz"),
        ("Příliš žluťoučký kůň", "prilis zlutoucky kun"),
        ("Straße", "strasse"),
        ("ﬁle", "file"),  # NFKD also unfolds ligatures
    ],
)
def test_folding_drops_case_and_diacritics(text, folded):
    assert fold(text) == folded


def test_keyword_matches_ignoring_case_and_diacritics():
    ok, reason = check(cond("subject", "contains", "FAKTÚRA"), INVOICE)
    assert ok
    assert reason == "subject contains “FAKTÚRA”"


def test_keywords_with_diacritics_match_text_without_them():
    snapshot = Snapshot(subject="Zazolc problem")
    assert check(cond("subject", "contains", "zażółć"), snapshot)[0]


def test_any_of_several_keywords_matches_and_names_the_one_found():
    ok, reason = check(cond("subject_or_body", "contains", "invoice, PDF"), INVOICE)
    assert ok
    assert "“PDF”" in reason


def test_a_missing_keyword_says_which_words_were_looked_for():
    ok, reason = check(cond("subject", "contains", "drukarka, VPN"), INVOICE)
    assert not ok
    assert reason == "subject contains none of “drukarka”, “VPN”"


def test_not_contains_fails_when_a_word_is_there():
    assert not check(cond("body", "not_contains", "pdf"), INVOICE)[0]
    assert check(cond("body", "not_contains", "vpn"), INVOICE)[0]


def test_regex_is_case_and_diacritics_insensitive_and_keeps_escapes():
    ok, reason = check(cond("subject", "regex", r"FAKTURA\s+VAT\s+\d+/\d{4}"), INVOICE)
    assert ok
    assert "faktura vat 12/2026" in reason
    assert check(cond("subject", "regex", r"bledna"), INVOICE)[0]
    assert not check(cond("subject", "regex", r"^\D+$"), INVOICE)[0]


def test_an_invalid_regex_is_refused():
    with pytest.raises(ConditionError, match="not valid"):
        validate(cond("subject", "regex", "(unclosed"))


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("is", "anna@kowalski.pl", True),
        ("is", "adam@kowalski.pl", False),
        ("contains", "anna@", True),
        ("domain_is", "kowalski.pl", True),
        ("domain_is", "@KOWALSKI.PL", True),
        ("domain_is", "novak.cz, kowalski.pl", True),
        ("domain_is", "alski.pl", False),
        ("domain_is", "novak.cz", False),
    ],
)
def test_sender_conditions(op, value, expected):
    assert check(cond("sender_email", op, value), INVOICE)[0] is expected


def test_subdomains_count_as_the_domain():
    snapshot = Snapshot(sender_email="it@mail.kowalski.pl")
    assert check(cond("sender_email", "domain_is", "kowalski.pl"), snapshot)[0]


def test_choice_conditions_compare_ids_and_show_names():
    ok, reason = check(cond("organization", "is", ["7", "9"]), INVOICE)
    assert ok
    assert reason == "organisation is Kowalski Logistyka"
    assert not check(cond("organization", "is_not", "7"), INVOICE)[0]
    assert check(cond("channel", "is", "email, phone"), INVOICE)[0]
    assert check(cond("priority", "is_not", "4"), INVOICE)[0]


def test_a_choice_condition_needs_a_value():
    with pytest.raises(ConditionError, match="needs a value"):
        check(cond("team", "is", ""), INVOICE)


def test_tags_conditions():
    assert check(cond("tags", "has", "VIP, urgent"), INVOICE)[0]
    assert not check(cond("tags", "has_not", "vip"), INVOICE)[0]
    assert check(cond("tags", "has_not", "spam"), INVOICE)[0]


def test_business_hours_condition():
    closed = Snapshot(in_business_hours=False)
    assert check(cond("business_hours", "is_closed"), closed) == (
        True,
        "outside business hours",
    )
    assert not check(cond("business_hours", "is_open"), closed)[0]


def test_unknown_fields_and_operators_are_refused():
    with pytest.raises(ConditionError, match="Unknown field"):
        validate(cond("weather", "is", "sunny"))
    with pytest.raises(ConditionError, match="cannot be used"):
        validate(cond("subject", "domain_is", "x"))


def test_all_means_every_condition_and_reports_the_failures():
    outcome = evaluate(
        [cond("subject", "contains", "faktura"), cond("channel", "is", "phone")],
        INVOICE,
        match="all",
    )
    assert not outcome.matched
    assert outcome.reasons == ("channel is email",)


def test_all_reports_every_reason_when_matched():
    outcome = evaluate(
        [cond("subject", "contains", "faktura"), cond("channel", "is", "email")],
        INVOICE,
    )
    assert outcome.matched
    assert outcome.reasons == ("subject contains “faktura”", "channel is email")


def test_any_is_enough_with_one():
    outcome = evaluate(
        [cond("subject", "contains", "vpn"), cond("body", "contains", "pdf")],
        INVOICE,
        match="any",
    )
    assert outcome.matched
    assert outcome.reasons == ("body contains “pdf”",)


def test_no_conditions_match_every_ticket():
    assert evaluate([], INVOICE).matched


def test_text_conditions_read_only_the_first_20000_characters():
    snapshot = Snapshot(body="a" * 50_000 + "needle")
    assert not check(cond("body", "contains", "needle"), snapshot)[0]


@given(st.text(max_size=40))
def test_a_text_always_contains_itself(text):
    needle = text.strip()
    if not needle or "," in needle:
        return
    snapshot = Snapshot(subject=f"Re: {text} (pilne)")
    assert check(cond("subject", "contains", needle), snapshot)[0]


@given(
    st.sampled_from(sorted(FIELD_OPS)),
    st.text(max_size=10),
    st.booleans(),
)
def test_negated_operators_are_the_opposite(field, value, in_hours):
    ops = FIELD_OPS[field]
    snapshot = Snapshot(
        subject=value, body=value, channel="email", in_business_hours=in_hours
    )
    pairs = {
        ("contains", "not_contains"),
        ("is", "is_not"),
        ("has", "has_not"),
        ("is_open", "is_closed"),
    }
    for yes, no in pairs:
        if yes in ops and no in ops:
            try:
                first = check(cond(field, yes, "email"), snapshot)[0]
            except ConditionError:
                continue
            assert check(cond(field, no, "email"), snapshot)[0] is not first


@pytest.mark.parametrize(
    ("keywords", "sentence"),
    [
        # Polish
        ("drukarka, tiskárna", "Drukarki na drugim piętrze nie drukują."),
        ("drukarka, tiskárna", "Coś jest nie tak z drukarką w księgowości."),
        ("drukarka, tiskárna", "Papier zaciął się w Drukarce HP."),
        ("drukarka, tiskárna", "Problem z dwiema drukarkami sieciowymi."),
        ("drukarka, tiskárna", "Proszę o nową drukarkę do sekretariatu."),
        ("drukarka", "Brak drukarek w nowym biurze."),
        ("faktura", "Nie dostałem faktury za październik."),
        ("faktura", "W fakturze jest błędna kwota."),
        ("faktura", "Proszę o korektę, zapłaciłem fakturą 12/2026."),
        ("faktura", "Proszę przesłać fakturę jeszcze raz."),
        ("hasło", "Nie pamiętam hasła do poczty."),
        # Czech
        ("drukarka, tiskárna", "Tiskárny ve druhém patře netisknou."),
        ("drukarka, tiskárna", "V tiskárně došel papír."),
        ("drukarka, tiskárna", "Problém s tiskárnou na recepci."),
        ("drukarka, tiskárna", "Prosím o novou tiskarnu bez diakritiky."),
        ("faktura", "Nepřišly mi faktury za říjen."),
        ("faktura", "Ve faktuře je chybná částka."),
        ("faktura", "Posílám vám fakturou objednávku."),
        ("heslo", "Zapomněl jsem heslem chráněný soubor."),
        # English
        ("printer", "All printers on the second floor are offline."),
        ("invoice", "Two invoices are missing."),
        # Joined and hyphenated spellings
        ("wifi", "Wi-Fi w sali konferencyjnej nie działa."),
        ("wi-fi", "Nie mam wifi od rana."),
        ("e-mail", "Nie dochodzi żaden email."),
        ("email", "Nowy e-mail nie przychodzi."),
        ("wi fi", "Wi-Fi nie działa."),
        # several words in a row, each in its own form
        ("nowa drukarka", "Prośba o nową drukarkę."),
    ],
)
def test_keywords_match_polish_czech_and_english_word_forms(keywords, sentence):
    ok, reason = check(
        cond("subject_or_body", "contains", keywords), Snapshot(body=sentence)
    )
    assert ok, reason
    assert "contains “" in reason


@pytest.mark.parametrize(
    ("keywords", "sentence"),
    [
        ("drukarka", "Druk dokumentów trwa za długo."),
        ("drukarka", "Wydruku nie ma."),
        ("faktura", "To jest fakt, nie opinia."),
        ("tiskárna", "Tisk z aplikace nefunguje."),
        ("konto", "Kot przeszedł po klawiaturze."),
        ("hasło", "Ma ktoś hasztag?"),
        ("printer", "Print preview is blank."),
        ("nowa drukarka", "Drukarka jest nowa."),
        ("wifi", "Wir haben kein Netz."),
    ],
)
def test_keywords_do_not_match_shorter_or_unrelated_words(keywords, sentence):
    ok, _reason = check(
        cond("subject_or_body", "contains", keywords), Snapshot(body=sentence)
    )
    assert not ok


def test_not_contains_also_sees_word_forms():
    snapshot = Snapshot(body="Drukarce skończył się toner.")
    assert not check(cond("body", "not_contains", "drukarka"), snapshot)[0]
    assert check(cond("body", "not_contains", "faktura"), snapshot)[0]


def test_the_reason_names_the_keyword_found_through_its_form():
    snapshot = Snapshot(subject="Tiskárně došel toner")
    ok, reason = check(cond("subject", "contains", "drukarka, tiskárna"), snapshot)
    assert ok
    assert reason == "subject contains “tiskárna”"
