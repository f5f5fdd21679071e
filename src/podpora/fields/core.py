"""Custom fields without the database: what a field is, how an answer is
cleaned, and when a field shows or must be answered.

One definition drives every door (portal form, phone intake, the agent's side
panel, the API, rules): each of them hands the raw answers to
:func:`validate` and gets back the same clean values and the same messages.
A door only decides how the answers arrive (form data, JSON) and how the
messages are shown.

Conditions make a form conditional ("show 'Which folder' when 'Kind of
access' is 'shared folder'"). A condition may only look at fields placed
*before* it in the form (:func:`check_definitions` refuses anything else), so
one pass in form order decides everything and no definition can loop. A
hidden field's answer is dropped, and a condition on a hidden field sees no
answer.

Values come out as plain Python: ``str``, ``int``, ``Decimal``, ``date``,
an aware ``datetime``, ``bool``, a tuple of option values for a multiple
choice, an ``int`` id for a person or an organisation (whether that id exists
and may be picked is the caller's question, it needs the database).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from podpora.core.clean import printable

LANGUAGES = ("en", "pl", "cs")
TEXT_LIMIT = 255
LONG_TEXT_LIMIT = 10_000
NUMBER_LIMIT = Decimal(10) ** 15
DECIMAL_PLACES = 6
PHONE_REGION = "PL"  # a number without a country prefix is read as Polish


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    MULTIPLE_CHOICE = "multiple_choice"
    PERSON = "person"
    ORGANIZATION = "organization"
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"


NUMERIC = {Kind.INTEGER, Kind.DECIMAL}
TEXTUAL = {Kind.TEXT, Kind.LONG_TEXT, Kind.URL, Kind.EMAIL, Kind.PHONE}
CHOICES = {Kind.CHOICE, Kind.MULTIPLE_CHOICE}


class Operator(StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IS_SET = "is_set"
    IS_EMPTY = "is_empty"
    CONTAINS = "contains"  # a multiple choice holds the option, a text the words
    GREATER_THAN = "greater_than"
    LESS_THAN = "less_than"


def translated(texts: Mapping[str, str], language: str | None = None) -> str:
    """The text in ``language`` (the active one by default), else English,
    else any that is given."""
    language = (language or get_language() or "en")[:2]
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class Option:
    value: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        return translated(self.labels, language) or self.value


@dataclass(frozen=True)
class Condition:
    field: str
    operator: Operator
    value: Any = None

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.field)
        match self.operator:
            case Operator.IS_SET:
                return not _empty(answer)
            case Operator.IS_EMPTY:
                return _empty(answer)
            case Operator.EQUALS:
                return not _empty(answer) and _same(answer, self.value)
            case Operator.NOT_EQUALS:
                return _empty(answer) or not _same(answer, self.value)
            case Operator.CONTAINS:
                if isinstance(answer, tuple):
                    return str(self.value) in answer
                if isinstance(answer, str):
                    return str(self.value).casefold() in answer.casefold()
                return False
            case Operator.GREATER_THAN | Operator.LESS_THAN:
                if not isinstance(answer, (int, Decimal, dt.date)):
                    return False
                try:
                    limit = _comparable(answer, self.value)
                except (ValueError, InvalidOperation, TypeError):
                    return False
                if self.operator == Operator.GREATER_THAN:
                    return answer > limit
                return answer < limit
        return False


@dataclass(frozen=True)
class When:
    """Conditions joined by "all" or "any"."""

    conditions: tuple[Condition, ...]
    match_all: bool = True

    def holds(self, answers: Mapping[str, Any]) -> bool:
        results = (condition.holds(answers) for condition in self.conditions)
        return all(results) if self.match_all else any(results)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: Kind
    labels: Mapping[str, str] = field(default_factory=dict)
    help: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    minimum: Decimal | None = None  # a number's value, a text's length
    maximum: Decimal | None = None
    pattern: str | None = None  # a text must match it whole
    pattern_message: Mapping[str, str] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    default: Any = None
    show_when: When | None = None
    require_when: When | None = None

    def label(self, language: str | None = None) -> str:
        return translated(self.labels, language) or self.key

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass
class Result:
    values: dict[str, Any]
    errors: dict[str, list[str]]
    hidden: set[str]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Definitions -------------------------------------------------------------------

KEY = re.compile(r"[a-z][a-z0-9_]{0,49}")


def check_definitions(specs: Sequence[FieldSpec]) -> list[str]:
    """What is wrong with a form's fields as an admin defined them, in words
    for that admin; empty when the form can be used."""
    problems: list[str] = []
    seen: dict[str, FieldSpec] = {}
    for spec in specs:
        name = spec.label()
        if not KEY.fullmatch(spec.key):
            problems.append(
                str(
                    _(
                        "“%(key)s” is not a valid field key (small letters, digits and _)."
                    )
                    % {"key": spec.key}
                )
            )
        if spec.key in seen:
            problems.append(
                str(_("The key “%(key)s” is used twice.") % {"key": spec.key})
            )
        if spec.kind in CHOICES and not spec.options:
            problems.append(
                str(_("“%(field)s” needs at least one option.") % {"field": name})
            )
        if spec.pattern:
            try:
                re.compile(spec.pattern)
            except re.error:
                problems.append(
                    str(
                        _(
                            "The pattern of “%(field)s” is not a valid regular expression."
                        )
                        % {"field": name}
                    )
                )
        if (
            spec.minimum is not None
            and spec.maximum is not None
            and spec.minimum > spec.maximum
        ):
            problems.append(
                str(
                    _("The minimum of “%(field)s” is above its maximum.")
                    % {"field": name}
                )
            )
        for when in (spec.show_when, spec.require_when):
            for condition in when.conditions if when else ():
                if condition.field not in seen:
                    problems.append(
                        str(
                            _(
                                "“%(field)s” depends on “%(other)s”, which must be a field placed before it."
                            )
                            % {"field": name, "other": condition.field}
                        )
                    )
        if spec.default is not None:
            try:
                clean_value(spec, spec.default)
            except ValidationError as error:
                problems.append(
                    str(
                        _("The default of “%(field)s” is not valid: %(error)s")
                        % {"field": name, "error": " ".join(error.messages)}
                    )
                )
        seen[spec.key] = spec
    return problems


# --- Answers -----------------------------------------------------------------------


def validate(
    specs: Sequence[FieldSpec],
    raw: Mapping[str, Any],
    *,
    partial: bool = False,
    use_defaults: bool = True,
) -> Result:
    """Clean every answer of a form in form order.

    ``partial`` checks only the fields present in ``raw`` (an agent changing
    one field in the side panel, an API ``PATCH``): a missing field is then
    neither required nor defaulted. Conditions see only ``raw``, so a caller
    whose change may show or hide other fields passes the ticket's current
    values in ``raw`` too.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    hidden: set[str] = set()
    for spec in specs:
        if spec.show_when and not spec.show_when.holds(values):
            hidden.add(spec.key)
            continue
        present = spec.key in raw and not _empty(raw[spec.key])
        if partial and spec.key not in raw:
            continue
        if not present:
            if use_defaults and spec.default is not None and spec.key not in raw:
                values[spec.key] = clean_value(spec, spec.default)
            elif spec.required or (
                spec.require_when and spec.require_when.holds(values)
            ):
                errors[spec.key] = [str(_("This field is required."))]
            continue
        try:
            values[spec.key] = clean_value(spec, raw[spec.key])
        except ValidationError as error:
            errors[spec.key] = [str(message) for message in error.messages]
    return Result(values=values, errors=errors, hidden=hidden)


def clean_value(spec: FieldSpec, value: Any) -> Any:
    """One answer made the field's kind of value, or a ``ValidationError``
    whose message a customer understands."""
    cleaned = _CLEANERS[spec.kind](spec, value)
    _check_limits(spec, cleaned)
    return cleaned


def _text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, (str, int, Decimal)) or isinstance(value, bool):
        raise ValidationError(_("Enter text."))
    multiline = spec.kind == Kind.LONG_TEXT
    text = printable(str(value), multiline=multiline).strip()
    limit = LONG_TEXT_LIMIT if multiline else TEXT_LIMIT
    if len(text) > limit:
        raise ValidationError(
            _("At most %(limit)d characters, please (this is %(length)d).")
            % {"limit": limit, "length": len(text)}
        )
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        message = translated(spec.pattern_message) if spec.pattern_message else None
        raise ValidationError(
            message or _("This value does not have the expected form.")
        )
    return text


def _integer(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("Enter a whole number."))
    number = _decimal(spec, value)
    if number != number.to_integral_value():
        raise ValidationError(_("Enter a whole number."))
    return int(number)


def _decimal(spec: FieldSpec, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number."))
    if isinstance(value, (int, Decimal)):
        return _bounded(Decimal(value))
    if isinstance(value, float):
        return _bounded(Decimal(str(value)))
    # Polish and Czech write 1 234,50; spaces group thousands.
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValidationError(_("Enter a number."))
    return _bounded(number)


def _bounded(number: Decimal) -> Decimal:
    if abs(number) >= NUMBER_LIMIT:
        raise ValidationError(_("This number is too large."))
    if number.as_tuple().exponent < -DECIMAL_PLACES:  # type: ignore[operator]
        raise ValidationError(
            _("At most %(places)d decimal places, please.") % {"places": DECIMAL_PLACES}
        )
    return number


def _date(spec: FieldSpec, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValidationError(_("Enter a date without a time."))
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None


def _datetime(spec: FieldSpec, value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(
                _("Enter a date and time as YYYY-MM-DDTHH:MM with a time zone.")
            ) from None
    if value.tzinfo is None:
        raise ValidationError(
            _("Enter a date and time as YYYY-MM-DDTHH:MM with a time zone.")
        )
    return value


YES = {"1", "true", "yes", "on", "tak", "ano"}
NO = {"0", "false", "no", "off", "nie", "ne"}


def _yes_or_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in YES else False if text in NO else None


def _boolean(spec: FieldSpec, value: Any) -> bool:
    answer = _yes_or_no(value)
    if answer is None:
        raise ValidationError(_("Answer yes or no."))
    return answer


def _choice(spec: FieldSpec, value: Any) -> str:
    text = str(value).strip()
    if spec.option(text) is None:
        raise ValidationError(
            _("“%(value)s” is not one of the choices.") % {"value": text[:100]}
        )
    return text


def _multiple_choice(spec: FieldSpec, value: Any) -> tuple[str, ...]:
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        raise ValidationError(_("Pick from the choices."))
    picked = {_choice(spec, item) for item in items}
    # In the options' order, each once.
    return tuple(o.value for o in spec.options if o.value in picked)


def _reference(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("Pick one from the list."))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(_("Pick one from the list.")) from None
    if number <= 0:
        raise ValidationError(_("Pick one from the list."))
    return number


def _url(spec: FieldSpec, value: Any) -> str:
    text = _text(spec, value)
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise ValidationError(
            _("Enter a web address starting with http:// or https://.")
        ) from None
    return text


def _email(spec: FieldSpec, value: Any) -> str:
    text = _text(spec, value)
    try:
        EmailValidator()(text)
    except ValidationError:
        raise ValidationError(_("Enter a valid e-mail address.")) from None
    return text


def _phone(spec: FieldSpec, value: Any) -> str:
    import phonenumbers

    text = _text(spec, value)
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_("Enter a phone number, e.g. +48 22 123 45 67."))
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


_CLEANERS = {
    Kind.TEXT: _text,
    Kind.LONG_TEXT: _text,
    Kind.INTEGER: _integer,
    Kind.DECIMAL: _decimal,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.BOOLEAN: _boolean,
    Kind.CHOICE: _choice,
    Kind.MULTIPLE_CHOICE: _multiple_choice,
    Kind.PERSON: _reference,
    Kind.ORGANIZATION: _reference,
    Kind.URL: _url,
    Kind.EMAIL: _email,
    Kind.PHONE: _phone,
}


def _check_limits(spec: FieldSpec, value: Any) -> None:
    if spec.kind in NUMERIC:
        if spec.minimum is not None and value < spec.minimum:
            raise ValidationError(
                _("At least %(limit)s, please.") % {"limit": spec.minimum}
            )
        if spec.maximum is not None and value > spec.maximum:
            raise ValidationError(
                _("At most %(limit)s, please.") % {"limit": spec.maximum}
            )
    elif spec.kind in TEXTUAL:
        if spec.minimum is not None and len(value) < spec.minimum:
            raise ValidationError(
                _("At least %(limit)s characters, please.") % {"limit": spec.minimum}
            )
        if spec.maximum is not None and len(value) > spec.maximum:
            raise ValidationError(
                _("At most %(limit)s characters, please.") % {"limit": spec.maximum}
            )
    elif spec.kind == Kind.MULTIPLE_CHOICE:
        if spec.minimum is not None and len(value) < spec.minimum:
            raise ValidationError(
                _("Pick at least %(limit)s.") % {"limit": spec.minimum}
            )
        if spec.maximum is not None and len(value) > spec.maximum:
            raise ValidationError(
                _("Pick at most %(limit)s.") % {"limit": spec.maximum}
            )


# --- Helpers -----------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == () or value == []


def _same(answer: Any, expected: Any) -> bool:
    if isinstance(answer, tuple):
        return (
            answer == tuple(expected) if isinstance(expected, (list, tuple)) else False
        )
    if isinstance(answer, (int, Decimal, dt.date)) and not isinstance(answer, bool):
        try:
            return answer == _comparable(answer, expected)
        except (ValueError, InvalidOperation, TypeError):
            return False
    if isinstance(answer, bool):
        return answer is _yes_or_no(expected)
    return str(answer) == str(expected)


def _comparable(answer: Any, expected: Any) -> Any:
    if isinstance(answer, dt.datetime):
        return (
            expected
            if isinstance(expected, dt.datetime)
            else dt.datetime.fromisoformat(str(expected))
        )
    if isinstance(answer, dt.date):
        return (
            expected
            if isinstance(expected, dt.date)
            else dt.date.fromisoformat(str(expected))
        )
    return Decimal(str(expected).replace(",", "."))
