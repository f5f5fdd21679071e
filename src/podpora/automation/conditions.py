"""Rule conditions: a pure evaluation over a ticket snapshot (no ORM).

A condition is ``{"field": …, "op": …, "value": …}``. Text is compared after
folding case and diacritics (NFKD, combining marks dropped, ``ł`` → ``l``),
so "faktura" matches "FAKTÚRA" and "zażółć" matches "zazolc". A keyword is
found as typed anywhere in the text, or as words in any of their Polish,
Czech or English forms (``podpora.core.text``, the normaliser search and the
knowledge base use): "drukarka" finds "drukarce", "faktura" finds "fakturze".
Each result carries the reason in words, shown in the rule editor's test and
in history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from podpora.core.text import contains, fold, match_words, strip_marks, terms

# Regexes run on at most this much text: a rule must not stall the intake.
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Snapshot:
    """What conditions may look at, read once from the ticket."""

    subject: str = ""
    body: str = ""
    sender_email: str = ""
    organization: str = ""  # id as text, "" when none
    channel: str = ""
    mailbox: str = ""
    priority: str = ""
    category: str = ""
    status: str = ""
    team: str = ""
    assignee: str = ""
    tags: frozenset[str] = frozenset()
    in_business_hours: bool = True
    # Display names for reasons: ("team", "3") → "Accounting support".
    labels: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def sender_domain(self) -> str:
        return self.sender_email.rpartition("@")[2].lower()


TEXT_FIELDS = ("subject", "body", "subject_or_body")
CHOICE_FIELDS = (
    "organization",
    "channel",
    "mailbox",
    "priority",
    "category",
    "status",
    "team",
    "assignee",
)
FIELD_OPS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(TEXT_FIELDS, ("contains", "not_contains", "regex")),
    "sender_email": ("is", "contains", "domain_is"),
    **dict.fromkeys(CHOICE_FIELDS, ("is", "is_not")),
    "tags": ("has", "has_not"),
    "business_hours": ("is_open", "is_closed"),
}


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class Outcome:
    matched: bool
    reasons: tuple[str, ...]


def values_of(value: Any) -> list[str]:
    """A condition value as a list: JSON lists as they are, text split on commas."""
    if isinstance(value, list | tuple):
        items: Iterable[Any] = value
    else:
        items = str(value or "").split(",")
    return [str(v).strip() for v in items if str(v).strip()]


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Marks are stripped but case is left alone: casefolding would turn
    # escapes such as \D into \d.
    return re.compile(strip_marks(pattern), re.IGNORECASE)


def validate(condition: Mapping[str, Any]) -> None:
    """Raise :class:`ConditionError` when a condition cannot be evaluated."""
    name, op = condition.get("field"), condition.get("op")
    if name not in FIELD_OPS:
        raise ConditionError(_("Unknown field: %(field)s") % {"field": name})
    if op not in FIELD_OPS[name]:
        raise ConditionError(
            _("“%(op)s” cannot be used with %(field)s.") % {"op": op, "field": name}
        )
    if op == "regex":
        try:
            _compiled(str(condition.get("value") or ""))
        except re.error as error:
            raise ConditionError(
                _("The pattern is not valid: %(error)s") % {"error": error}
            ) from error
    elif name != "business_hours" and not values_of(condition.get("value")):
        raise ConditionError(_("The condition needs a value."))


def _text(snapshot: Snapshot, name: str) -> str:
    if name == "subject_or_body":
        return f"{snapshot.subject}\n{snapshot.body}"
    return str(getattr(snapshot, name))


def _keyword_hits(keywords: list[str], original: str, folded: str) -> list[str]:
    """The keywords found in the text: as typed, or as word forms."""
    as_typed = [word for word in keywords if fold(word) in folded]
    if len(as_typed) == len(keywords):
        return as_typed
    text_words = match_words(original)
    return [
        word
        for word in keywords
        if word in as_typed or contains(text_words, terms(word))
    ]


def _label(snapshot: Snapshot, name: str, value: str) -> str:
    return snapshot.labels.get((name, value), value) or "—"


def check(condition: Mapping[str, Any], snapshot: Snapshot) -> tuple[bool, str]:
    """Whether one condition holds, and why (in words)."""
    validate(condition)
    name, op = str(condition["field"]), str(condition["op"])
    raw = condition.get("value")
    if name in TEXT_FIELDS:
        original = _text(snapshot, name)[:MAX_TEXT]
        text = fold(original)
        where = {
            "subject": _("subject"),
            "body": _("body"),
            "subject_or_body": _("subject or body"),
        }[name]
        if op == "regex":
            found = _compiled(str(raw)).search(text)
            if found:
                return True, _("%(where)s matches “%(hit)s”") % {
                    "where": where,
                    "hit": found.group(0),
                }
            return False, _("%(where)s does not match the pattern") % {"where": where}
        hits = _keyword_hits(values_of(raw), original, text)
        if op == "contains":
            if hits:
                return True, _("%(where)s contains “%(hit)s”") % {
                    "where": where,
                    "hit": hits[0],
                }
            return False, _("%(where)s contains none of %(words)s") % {
                "where": where,
                "words": ", ".join(f"“{w}”" for w in values_of(raw)),
            }
        if hits:
            return False, _("%(where)s contains “%(hit)s”") % {
                "where": where,
                "hit": hits[0],
            }
        return True, _("%(where)s contains none of the words") % {"where": where}
    if name == "sender_email":
        sender = snapshot.sender_email.lower()
        wanted = [v.lower().lstrip("@") for v in values_of(raw)]
        if op == "is":
            ok = sender in wanted
        elif op == "contains":
            ok = any(w in sender for w in wanted)
        else:
            domain = snapshot.sender_domain
            ok = any(domain == w or domain.endswith("." + w) for w in wanted)
        verb = _("is from") if ok else _("is not from")
        return ok, _("sender %(sender)s %(verb)s %(wanted)s") % {
            "sender": sender or "—",
            "verb": verb,
            "wanted": ", ".join(wanted),
        }
    if name in CHOICE_FIELDS:
        actual = str(getattr(snapshot, name))
        wanted = values_of(raw)
        inside = actual in wanted
        ok = inside if op == "is" else not inside
        return ok, _("%(field)s is %(actual)s") % {
            "field": _field_label(name),
            "actual": _label(snapshot, name, actual),
        }
    if name == "tags":
        wanted = [w.lower() for w in values_of(raw)]
        present = sorted(snapshot.tags & set(wanted))
        ok = bool(present) if op == "has" else not present
        if present:
            return ok, _("tagged %(tags)s") % {"tags": ", ".join(present)}
        return ok, _("not tagged %(tags)s") % {"tags": ", ".join(wanted)}
    # business_hours
    ok = (
        snapshot.in_business_hours
        if op == "is_open"
        else not snapshot.in_business_hours
    )
    return ok, (
        _("inside business hours")
        if snapshot.in_business_hours
        else _("outside business hours")
    )


def _field_label(name: str) -> str:
    return {
        "organization": _("organisation"),
        "channel": _("channel"),
        "mailbox": _("mailbox"),
        "priority": _("priority"),
        "category": _("category"),
        "status": _("status"),
        "team": _("team"),
        "assignee": _("assignee"),
    }.get(name, name)


def evaluate(
    conditions: Sequence[Mapping[str, Any]], snapshot: Snapshot, *, match: str = "all"
) -> Outcome:
    """All (or any) of ``conditions`` over ``snapshot``; no conditions match all.

    The reasons are those that decided the outcome: every holding condition
    for a match, the failing one(s) otherwise.
    """
    if not conditions:
        return Outcome(True, (_("the rule has no conditions"),))
    results = [check(c, snapshot) for c in conditions]
    held = tuple(reason for ok, reason in results if ok)
    failed = tuple(reason for ok, reason in results if not ok)
    if match == "any":
        return Outcome(bool(held), held if held else failed)
    return Outcome(not failed, failed if failed else held)
