"""The custom-field rules every door shares, without the database: what an
admin may define, how a customer's answers are cleaned, and which fields
show or must be answered."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from podpora.fields.core import (
    Condition,
    FieldSpec,
    Kind,
    Operator,
    Option,
    When,
    check_definitions,
    clean_value,
    validate,
)

KIND_OF_ACCESS = FieldSpec(
    key="kind_of_access",
    kind=Kind.CHOICE,
    labels={"en": "Kind of access", "pl": "Rodzaj dostępu", "cs": "Druh přístupu"},
    required=True,
    options=(
        Option("shared_folder", {"en": "Shared folder", "pl": "Folder współdzielony"}),
        Option("application", {"en": "Application", "pl": "Aplikacja"}),
    ),
)
WHICH_FOLDER = FieldSpec(
    key="which_folder",
    kind=Kind.TEXT,
    labels={"en": "Which folder", "pl": "Który folder", "cs": "Která složka"},
    required=True,
    show_when=When((Condition("kind_of_access", Operator.EQUALS, "shared_folder"),)),
)
COST = FieldSpec(
    key="cost", kind=Kind.DECIMAL, labels={"en": "Cost"}, minimum=Decimal(0)
)
JUSTIFICATION = FieldSpec(
    key="justification",
    kind=Kind.LONG_TEXT,
    labels={"en": "Why is it needed"},
    require_when=When((Condition("cost", Operator.GREATER_THAN, "1000"),)),
)
ACCESS_FORM = [KIND_OF_ACCESS, WHICH_FOLDER, COST, JUSTIFICATION]


def test_a_folder_request_asks_which_folder_and_an_application_request_does_not():
    folder = validate(ACCESS_FORM, {"kind_of_access": "shared_folder"})
    assert folder.errors == {"which_folder": ["This field is required."]}

    app = validate(
        ACCESS_FORM, {"kind_of_access": "application", "which_folder": "\\\\srv\\hr"}
    )
    assert app.ok
    # The hidden field's answer is dropped, not stored behind the form's back.
    assert "which_folder" not in app.values
    assert app.hidden == {"which_folder"}


def test_a_justification_is_required_only_above_the_cost_limit():
    cheap = validate(ACCESS_FORM, {"kind_of_access": "application", "cost": "999,99"})
    assert cheap.ok
    assert cheap.values["cost"] == Decimal("999.99")

    dear = validate(ACCESS_FORM, {"kind_of_access": "application", "cost": "1 500"})
    assert dear.errors == {"justification": ["This field is required."]}


def test_messages_speak_the_customers_language():
    with translation.override("pl"):
        result = validate(ACCESS_FORM, {"kind_of_access": "printer"})
    assert result.errors["kind_of_access"] == ["„printer” nie jest jedną z opcji."]
    with translation.override("cs"):
        assert KIND_OF_ACCESS.label() == "Druh přístupu"
        # No Czech label for the option: English stands in.
        assert KIND_OF_ACCESS.options[0].label() == "Shared folder"


@pytest.mark.parametrize(
    ("kind", "raw", "clean"),
    [
        (Kind.INTEGER, "42", 42),
        (Kind.INTEGER, 7, 7),
        (Kind.DECIMAL, "1 234,50", Decimal("1234.50")),
        (Kind.DATE, "2027-01-04", dt.date(2027, 1, 4)),
        (Kind.BOOLEAN, "tak", True),
        (Kind.BOOLEAN, False, False),
        (Kind.PERSON, "15", 15),
        (Kind.EMAIL, " jan.novak@klient.cz ", "jan.novak@klient.cz"),
        (Kind.URL, "https://intranet.acme.pl/hr", "https://intranet.acme.pl/hr"),
        (Kind.PHONE, "22 123 45 67", "+48 22 123 45 67"),
        (Kind.PHONE, "+420 601 123 456", "+420 601 123 456"),
        (Kind.TEXT, "Księgowość\x00\x07", "Księgowość"),
        (Kind.LONG_TEXT, "line one\r\nline two", "line one\nline two"),
    ],
)
def test_answers_become_values_of_the_fields_kind(kind, raw, clean):
    assert clean_value(FieldSpec(key="f", kind=kind), raw) == clean


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        (FieldSpec(key="n", kind=Kind.INTEGER), "2.5", "Enter a whole number."),
        (FieldSpec(key="n", kind=Kind.INTEGER), True, "Enter a whole number."),
        (FieldSpec(key="n", kind=Kind.DECIMAL), "NaN", "Enter a number."),
        (FieldSpec(key="n", kind=Kind.DECIMAL), "1e400", "This number is too large."),
        (
            FieldSpec(key="n", kind=Kind.DECIMAL),
            "0.1234567",
            "At most 6 decimal places, please.",
        ),
        (
            FieldSpec(key="n", kind=Kind.INTEGER, maximum=Decimal(10)),
            "11",
            "At most 10, please.",
        ),
        (
            FieldSpec(key="d", kind=Kind.DATE),
            "04.01.2027",
            "Enter a date as YYYY-MM-DD.",
        ),
        (
            FieldSpec(key="t", kind=Kind.DATETIME),
            "2027-01-04T09:00",
            "Enter a date and time as YYYY-MM-DDTHH:MM with a time zone.",
        ),
        (FieldSpec(key="b", kind=Kind.BOOLEAN), "maybe", "Answer yes or no."),
        (
            FieldSpec(key="u", kind=Kind.URL),
            "javascript:alert(1)",
            "Enter a web address starting with http:// or https://.",
        ),
        (FieldSpec(key="e", kind=Kind.EMAIL), "jan@", "Enter a valid e-mail address."),
        (
            FieldSpec(key="p", kind=Kind.PHONE),
            "12",
            "Enter a phone number, e.g. +48 22 123 45 67.",
        ),
        (
            FieldSpec(key="s", kind=Kind.TEXT, pattern=r"[A-Z]{2}-\d{4}"),
            "ab-12",
            "This value does not have the expected form.",
        ),
        (
            FieldSpec(
                key="s",
                kind=Kind.TEXT,
                pattern=r"[A-Z]{2}-\d{4}",
                pattern_message={"en": "An asset tag looks like PC-0042."},
            ),
            "ab-12",
            "An asset tag looks like PC-0042.",
        ),
        (
            FieldSpec(key="s", kind=Kind.TEXT),
            "x" * 256,
            "At most 255 characters, please (this is 256).",
        ),
        (FieldSpec(key="r", kind=Kind.PERSON), "-3", "Pick one from the list."),
    ],
)
def test_bad_answers_get_a_clear_message(spec, raw, message):
    result = validate([spec], {spec.key: raw})
    assert result.errors == {spec.key: [message]}
    assert result.values == {}


def test_a_multiple_choice_keeps_each_option_once_in_the_forms_order():
    equipment = FieldSpec(
        key="equipment",
        kind=Kind.MULTIPLE_CHOICE,
        options=(Option("laptop"), Option("monitor"), Option("phone")),
        maximum=Decimal(2),
    )
    assert clean_value(equipment, ["phone", "laptop", "phone"]) == ("laptop", "phone")
    too_many = validate([equipment], {"equipment": ["laptop", "monitor", "phone"]})
    assert too_many.errors == {"equipment": ["Pick at most 2."]}


def test_a_default_fills_an_unanswered_field_but_not_a_partial_change():
    priority = FieldSpec(
        key="urgency",
        kind=Kind.CHOICE,
        options=(Option("low"), Option("high")),
        default="low",
    )
    assert validate([priority], {}).values == {"urgency": "low"}
    # An agent changing another field does not reset this one.
    assert validate([priority, COST], {"cost": "5"}, partial=True).values == {
        "cost": Decimal(5)
    }


def test_an_admin_is_told_what_is_wrong_with_a_form():
    problems = check_definitions(
        [
            FieldSpec(key="Bad Key", kind=Kind.TEXT),
            FieldSpec(key="choice", kind=Kind.CHOICE),
            FieldSpec(
                key="early",
                kind=Kind.TEXT,
                show_when=When((Condition("late", Operator.IS_SET),)),
            ),
            FieldSpec(key="late", kind=Kind.TEXT, pattern="(unclosed"),
            FieldSpec(
                key="late", kind=Kind.INTEGER, minimum=Decimal(5), maximum=Decimal(1)
            ),
            FieldSpec(key="when", kind=Kind.DATE, default="tomorrow"),
        ]
    )
    assert problems == [
        "“Bad Key” is not a valid field key (small letters, digits and _).",
        "“choice” needs at least one option.",
        "“early” depends on “late”, which must be a field placed before it.",
        "The pattern of “late” is not a valid regular expression.",
        "The key “late” is used twice.",
        "The minimum of “late” is above its maximum.",
        "The default of “when” is not valid: Enter a date as YYYY-MM-DD.",
    ]
    assert check_definitions(ACCESS_FORM) == []


@settings(deadline=None)  # the machine may be busy; time is not the point
@given(
    st.dictionaries(
        st.sampled_from([s.key for s in ACCESS_FORM]),
        st.text() | st.integers() | st.none(),
    )
)
def test_any_answers_give_values_or_messages_never_an_exception(raw):
    result = validate(ACCESS_FORM, raw)
    assert set(result.values).isdisjoint(result.errors)
    assert set(result.values).isdisjoint(result.hidden)
    # Every value passes its field's rules again unchanged.
    for spec in ACCESS_FORM:
        if spec.key in result.values:
            assert clean_value(spec, result.values[spec.key]) == result.values[spec.key]


def test_a_yes_no_answer_shows_the_field_that_depends_on_it():
    needs = FieldSpec(key="needs_laptop", kind=Kind.BOOLEAN)
    model = FieldSpec(
        key="laptop_model",
        kind=Kind.TEXT,
        required=True,
        show_when=When((Condition("needs_laptop", Operator.EQUALS, "yes"),)),
    )
    assert validate([needs, model], {"needs_laptop": "tak"}).errors == {
        "laptop_model": ["This field is required."]
    }
    assert validate([needs, model], {"needs_laptop": "ne"}).hidden == {"laptop_model"}
