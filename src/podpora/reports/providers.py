"""Figures whose raw data belongs to other apps: satisfaction ratings
(``surveys``) and SLA outcomes (``automation``).

Each is read through one small, documented function that the owning app
provides; until it does, the figure is simply absent (``None``) and the
dashboard says so. The providers are looked up by dotted path so that tests,
and the lead wiring the apps together, can point them elsewhere.

Contracts (see docs/reports.md):

``podpora.surveys.selectors.csat_summary(tickets, *, start, end)``
    An object with ``count``, ``average``, ``distribution`` (stars → number)
    and ``surveys_sent`` for the ratings given in ``[start, end)`` to the
    tickets of the queryset ``tickets``.

``podpora.automation.selectors.sla_outcomes(*, tickets, start, end)
-> Iterable[tuple[str, str, bool]]``
    One ``(policy name, target, met)`` per SLA target that fell due in
    ``[start, end)`` for the tickets of ``tickets``; ``target`` is
    ``"first_response"`` or ``"resolution"``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from podpora.tickets.models import Ticket

if TYPE_CHECKING:
    from podpora.reports.metrics import ReportFilter

RATINGS_PROVIDER = "podpora.surveys.selectors.csat_summary"
SLA_PROVIDER = "podpora.automation.selectors.sla_outcomes"


def _provider(path: str) -> Callable[..., Any] | None:
    try:
        return import_string(path)
    except ImportError:
        return None


@dataclass
class CsatSummary:
    count: int
    average: float | None
    distribution: dict[int, int]  # score 1–5 → number of ratings
    surveys_sent: int = 0

    @property
    def response_rate_pct(self) -> float | None:
        if not self.surveys_sent:
            return None
        return round(100 * self.count / self.surveys_sent, 1)

    @property
    def satisfied_pct(self) -> float | None:
        """Share of 4 and 5 star ratings, the usual CSAT score."""
        if not self.count:
            return None
        return round(
            100 * (self.distribution[4] + self.distribution[5]) / self.count, 1
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
    given = provider(_tickets(report_filter), start=start, end=end)
    distribution = {s: int(given.distribution.get(s, 0)) for s in range(1, 6)}
    count = sum(distribution.values())
    average = (
        round(sum(s * n for s, n in distribution.items()) / count, 2) if count else None
    )
    return CsatSummary(
        count=count,
        average=average,
        distribution=distribution,
        surveys_sent=int(getattr(given, "surveys_sent", 0) or 0),
    )


def sla_compliance(report_filter: "ReportFilter") -> list[SlaRow] | None:
    provider = _provider(SLA_PROVIDER)
    if provider is None:
        return None
    start, end = report_filter.bounds()
    return sla_summary(provider(tickets=_tickets(report_filter), start=start, end=end))
