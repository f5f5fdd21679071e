"""Figures whose raw data belongs to other apps: satisfaction ratings
(``surveys``) and SLA outcomes (``automation``).

Each is read through one small, documented function that the owning app
provides; until it does, the figure is simply absent (``None``) and the
dashboard says so. The providers are looked up by dotted path so that tests,
and the lead wiring the apps together, can point them elsewhere.

Contracts (see docs/reports.md):

``podpora.surveys.selectors.ratings(*, tickets, start, end) -> Iterable[int]``
    The scores (1–5) of satisfaction ratings given in ``[start, end)`` for
    the tickets of the queryset ``tickets``.

``podpora.automation.selectors.sla_outcomes(*, tickets, start, end)
-> Iterable[tuple[str, str, bool]]``
    One ``(policy name, target, met)`` per SLA target that fell due in
    ``[start, end)`` for the tickets of ``tickets``; ``target`` is
    ``"first_response"`` or ``"resolution"``.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from podpora.tickets.models import Ticket

if TYPE_CHECKING:
    from podpora.reports.metrics import ReportFilter

RATINGS_PROVIDER = "podpora.surveys.selectors.ratings"
SLA_PROVIDER = "podpora.automation.selectors.sla_outcomes"


def _provider(path: str) -> Callable[..., Iterable[Any]] | None:
    try:
        return import_string(path)
    except ImportError:
        return None


@dataclass
class CsatSummary:
    count: int
    average: float | None
    distribution: dict[int, int]  # score 1–5 → number of ratings

    @property
    def satisfied_pct(self) -> float | None:
        """Share of 4 and 5 star ratings, the usual CSAT score."""
        if not self.count:
            return None
        return round(
            100 * (self.distribution[4] + self.distribution[5]) / self.count, 1
        )


def csat_summary(scores: Iterable[int]) -> CsatSummary:
    counted = Counter(int(s) for s in scores if 1 <= int(s) <= 5)
    count = sum(counted.values())
    average = (
        round(sum(score * n for score, n in counted.items()) / count, 2)
        if count
        else None
    )
    return CsatSummary(
        count=count,
        average=average,
        distribution={score: counted.get(score, 0) for score in range(1, 6)},
    )


@dataclass
class SlaRow:
    policy: str
    target: str
    met: int
    total: int

    @property
    def compliance_pct(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None


def sla_summary(outcomes: Iterable[tuple[str, str, bool]]) -> list[SlaRow]:
    rows: dict[tuple[str, str], SlaRow] = {}
    for policy, target, met in outcomes:
        row = rows.setdefault((policy, target), SlaRow(policy, target, 0, 0))
        row.total += 1
        row.met += 1 if met else 0
    return sorted(rows.values(), key=lambda r: (r.policy, r.target))


def _tickets(report_filter: "ReportFilter") -> Any:
    return Ticket.objects.filter(
        report_filter.ticket_filter(), merged_into__isnull=True
    )


def csat(report_filter: "ReportFilter") -> CsatSummary | None:
    provider = _provider(RATINGS_PROVIDER)
    if provider is None:
        return None
    start, end = report_filter.bounds()
    return csat_summary(provider(tickets=_tickets(report_filter), start=start, end=end))


def sla_compliance(report_filter: "ReportFilter") -> list[SlaRow] | None:
    provider = _provider(SLA_PROVIDER)
    if provider is None:
        return None
    start, end = report_filter.bounds()
    return sla_summary(provider(tickets=_tickets(report_filter), start=start, end=end))
