"""Ticket history in words: "Tomasz changed priority: Normal → Urgent"."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from podpora.accounts.models import Team, Tier, User
from podpora.tickets.models import Category, EventKind, Priority, Status, TicketEvent

_FIELD_LABELS = {
    "status": lambda: _("status"),
    "priority": lambda: _("priority"),
    "team": lambda: _("team"),
    "assignee": lambda: _("assignee"),
    "tier": lambda: _("support tier"),
    "category": lambda: _("category"),
    "tags": lambda: _("tags"),
    "cc": lambda: _("CC"),
    "subject": lambda: _("subject"),
    "remote_session_id": lambda: _("remote session ID"),
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    text: str
    kind: str


def describe(events: Sequence[TicketEvent]) -> list[HistoryLine]:
    """Sentences for ``events``; names are looked up in one query per kind."""
    user_ids: set[int] = set()
    team_ids: set[int] = set()
    category_ids: set[int] = set()
    for e in events:
        ids = {v for v in (e.old_value, e.new_value) if v.isdigit()}
        if e.field == "assignee":
            user_ids |= {int(v) for v in ids}
        elif e.field == "team":
            team_ids |= {int(v) for v in ids}
        elif e.field == "category":
            category_ids |= {int(v) for v in ids}
        elif e.field == "cc":
            for value in (e.old_value, e.new_value):
                user_ids |= {int(v) for v in value.split(",") if v.isdigit()}
    users = (
        {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)}
        if user_ids
        else {}
    )
    teams = (
        dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        if team_ids
        else {}
    )
    categories = (
        dict(Category.objects.filter(pk__in=category_ids).values_list("pk", "name"))
        if category_ids
        else {}
    )
    names = {"assignee": users, "team": teams, "category": categories}
    return [
        HistoryLine(at=e.created_at, text=_sentence(e, names, users), kind=e.kind)
        for e in events
    ]


def _value(
    field: str, raw: str, names: dict[str, dict[int, str]], users: dict[int, str]
) -> str:
    if raw == "":
        return _("none")
    if field == "status" and raw in Status.values:
        return str(Status(raw).label)
    if field == "priority" and raw.isdigit() and int(raw) in Priority.values:
        return str(Priority(int(raw)).label)
    if field == "tier" and raw.isdigit() and int(raw) in Tier.values:
        return str(Tier(int(raw)).label)
    if field in names and raw.isdigit():
        return names[field].get(int(raw), _("(deleted)"))
    if field == "cc":
        return ", ".join(users.get(int(v), v) for v in raw.split(",") if v.isdigit())
    return raw


def _sentence(
    e: TicketEvent, names: dict[str, dict[int, str]], users: dict[int, str]
) -> str:
    who = e.actor.display_name if e.actor else (e.via or _("Podpora"))
    if e.kind == EventKind.CREATED:
        if e.data.get("split_from"):
            return _("%(who)s split this ticket off #%(number)s") % {
                "who": who,
                "number": e.data["split_from"],
            }
        return _("%(who)s opened the ticket") % {"who": who}
    if e.kind == EventKind.MESSAGE:
        text = {
            "reply": _("%(who)s replied"),
            "note": _("%(who)s added an internal note"),
            "customer_message": _("%(who)s wrote"),
        }.get(e.field, _("%(who)s added a message"))
        return text % {"who": who}
    if e.kind == EventKind.ESCALATED:
        return _("%(who)s escalated the ticket: %(old)s → %(new)s") % {
            "who": who,
            "old": _value("tier", e.old_value, names, users),
            "new": _value("tier", e.new_value, names, users),
        }
    if e.kind == EventKind.MERGED:
        if e.field == "merged_into":
            return _("%(who)s merged this ticket into #%(number)s") % {
                "who": who,
                "number": e.new_value,
            }
        return _("%(who)s merged #%(number)s into this ticket") % {
            "who": who,
            "number": e.new_value,
        }
    if e.kind == EventKind.LINKED:
        number = e.new_value or e.old_value
        return _("%(who)s linked #%(number)s") % {"who": who, "number": number}
    if e.kind == EventKind.MOVED_MESSAGE:
        if e.field == "split":
            return _("%(who)s split a message off into #%(number)s") % {
                "who": who,
                "number": e.new_value,
            }
        if e.field == "moved_in":
            return _("%(who)s moved a message here from #%(number)s") % {
                "who": who,
                "number": e.old_value,
            }
        return _("%(who)s moved a message to #%(number)s") % {
            "who": who,
            "number": e.new_value,
        }
    if e.kind in (EventKind.FIELD, EventKind.REOPENED) and e.field:
        label = _FIELD_LABELS.get(e.field, lambda: e.field)()
        return _("%(who)s changed %(field)s: %(old)s → %(new)s") % {
            "who": who,
            "field": label,
            "old": _value(e.field, e.old_value, names, users),
            "new": _value(e.field, e.new_value, names, users),
        }
    detail = " ".join(v for v in (e.field, e.new_value) if v)
    return f"{who}: {e.get_kind_display()} {detail}".strip()
