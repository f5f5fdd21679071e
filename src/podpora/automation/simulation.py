"""Simulating a rule being edited (saved or not) on past tickets: which of
the last days' tickets its conditions would have matched, and why.

Pure evaluation: the tickets are read in one streamed query and no row is
written, whatever the rule's actions are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from podpora.automation import conditions, rules
from podpora.tickets.models import Message, MessageKind, Ticket

DAYS = 30
SHOWN = 50
_CHUNK = 500


@dataclass(frozen=True)
class SimulatedMatch:
    ticket: Ticket
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Simulation:
    days: int
    checked: int  # tickets created in those days
    matched: int
    shown: list[SimulatedMatch]  # the newest matches, at most SHOWN

    @property
    def more(self) -> int:
        return self.matched - len(self.shown)


def simulate(
    rule_conditions: Sequence[Mapping[str, Any]],
    match: str,
    tickets: QuerySet[Ticket],
    *,
    now: datetime | None = None,
    days: int = DAYS,
    shown: int = SHOWN,
) -> Simulation:
    """Evaluate the conditions on ``tickets`` (the editor's scope, e.g.
    ``visible_to(user)``) created in the last ``days`` days, as they are now
    with their latest customer message; "business hours" is asked at each
    ticket's creation."""
    now = now or timezone.now()
    with_hours = any(c.get("field") == "business_hours" for c in rule_conditions)
    latest = Message.objects.filter(
        ticket=OuterRef("pk"), kind=MessageKind.CUSTOMER
    ).order_by("-created_at", "-pk")
    candidates = (
        tickets.filter(created_at__gte=now - timedelta(days=days), created_at__lte=now)
        .select_related("requester", "organization", "team", "assignee", "category")
        .prefetch_related("tags")
        .annotate(
            simulated_body=Subquery(latest.values("body_text")[:1]),
            simulated_sender=Subquery(latest.values("author__email")[:1]),
            simulated_mailbox=Subquery(
                latest.annotate(mailbox_name=KT("data__mailbox")).values(
                    "mailbox_name"
                )[:1]
            ),
        )
        .order_by("-created_at", "-pk")
    )
    checked = matched = 0
    found: list[SimulatedMatch] = []
    for ticket in candidates.iterator(chunk_size=_CHUNK):
        checked += 1
        snapshot = rules.snapshot_from(
            ticket,
            body=ticket.simulated_body or "",  # type: ignore[attr-defined]
            sender=ticket.simulated_sender or "",  # type: ignore[attr-defined]
            mailbox=ticket.simulated_mailbox or "",  # type: ignore[attr-defined]
            in_hours_at=ticket.created_at if with_hours else None,
        )
        outcome = conditions.evaluate(rule_conditions, snapshot, match=match)
        if outcome.matched:
            matched += 1
            if len(found) < shown:
                found.append(SimulatedMatch(ticket, outcome.reasons))
    return Simulation(days=days, checked=checked, matched=matched, shown=found)
