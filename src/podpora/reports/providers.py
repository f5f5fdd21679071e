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

``podpora.kb.selectors.deflection_summary(start, end, *, organization)``
    An object with ``opened``, ``solved`` and ``deflected`` for the
    knowledge-base suggestions opened in ``[start, end)`` from the
    new-request form (of one organisation, or all).

SLA compliance reads ``automation``'s per-ticket clocks (``TicketSla``)
directly: see :func:`sla_compliance`.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Count, F, Q
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from podpora.tickets.models import Priority, Ticket

if TYPE_CHECKING:
    from podpora.reports.metrics import ReportFilter

RATINGS_PROVIDER = "podpora.surveys.selectors.csat_summary"
DEFLECTION_PROVIDER = "podpora.kb.selectors.deflection_summary"
# Suggestion visits know their organisation, nothing else of a ticket.
DEFLECTION_DIMENSIONS = {"organization_id"}


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
class SlaShare:
    """Met and decided targets of one SLA clock."""

    target: str  # "first_response" or "resolution"
    met: int
    total: int

    @property
    def target_label(self) -> str:
        return (
            _("First response") if self.target == "first_response" else _("Resolution")
        )

    @property
    def compliance_pct(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None


@dataclass
class SlaRow(SlaShare):
    """Per internal policy: the dashboard's view."""

    policy: str = ""


@dataclass
class SlaPromise(SlaShare):
    """Per promised target (priority and time), with no internal policy
    name: what the client's report shows."""

    priority: int = 0
    minutes: int | None = None  # None: the policy has no such target any more
    business_hours: bool = True

    @property
    def priority_label(self) -> str:
        return str(Priority(self.priority).label) if self.priority else ""

    @property
    def promise_label(self) -> str:
        if self.minutes is None:
            return self.target_label
        if self.minutes < 60:
            time = _("%(minutes)s min") % {"minutes": self.minutes}
        else:
            time = _("%(hours)s h") % {"hours": floatformat(self.minutes / 60, -1)}
        if self.business_hours:
            return _("%(target)s within %(time)s of business hours") % {
                "target": self.target_label,
                "time": time,
            }
        return _("%(target)s within %(time)s") % {
            "target": self.target_label,
            "time": time,
        }


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


@dataclass
class Deflection:
    """Knowledge-base suggestions opened from the new-request form, and how
    many of them solved the request (no request needed)."""

    opened: int
    solved: int  # marked "this solved my problem"
    deflected: int  # solved, or no request followed

    @property
    def rate_pct(self) -> float | None:
        return round(100 * self.deflected / self.opened, 1) if self.opened else None


def deflection(report_filter: "ReportFilter") -> Deflection | None:
    """Deflection in the period (and organisation); None when the knowledge
    base is not installed, or the filter narrows by something a suggestion
    visit does not have (team, agent, channel, priority, category)."""
    provider = _provider(DEFLECTION_PROVIDER)
    if provider is None or set(report_filter.dimensions()) - DEFLECTION_DIMENSIONS:
        return None
    from podpora.accounts.models import Organization

    start, end = report_filter.bounds()
    org_id = report_filter.organization_id
    summary = provider(
        start, end, organization=Organization(pk=org_id) if org_id else None
    )
    return Deflection(
        opened=int(summary.opened),
        solved=int(summary.solved),
        deflected=int(summary.deflected),
    )


# The SLA clocks the reports count, with the ticket field that stops each.
SLA_CLOCKS = (
    ("first_response", "first_response_at"),
    ("resolution", "resolved_at"),
)


def _sla_counts(
    report_filter: "ReportFilter", *group: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Met and decided targets due in the period, per clock and ``group``.

    Same meaning as automation's ticket page: a target is *met* when the
    ticket was answered (resolved) by the due time and the clock never
    breached; it is *decided* once met, breached, or overdue while running.
    Targets still running, or paused waiting on the customer, wait for a
    later report."""
    from podpora.automation.models import TicketSla

    start, end = report_filter.bounds()
    now = timezone.now()
    states = TicketSla.objects.filter(
        ticket__in=_tickets(report_filter).values("pk"), policy__isnull=False
    )
    for clock, stopped in SLA_CLOCKS:
        due = f"{clock}_due_at"
        done = Q(**{f"ticket__{stopped}__isnull": False})
        breached = Q(**{f"{clock}_breached": True})
        met = done & ~breached & Q(**{f"ticket__{stopped}__lte": F(due)})
        overdue = Q(**{f"{due}__lte": now, "paused_since__isnull": True})
        counted = (
            states.filter(**{f"{due}__gte": start, f"{due}__lt": end})
            .filter(done | breached | overdue)
            .values(*group)
            .annotate(total=Count("pk"), met=Count("pk", filter=met))
            .order_by()
        )
        for row in counted:
            yield clock, row


def sla_compliance(report_filter: "ReportFilter") -> list[SlaRow] | None:
    """Met and decided SLA targets per policy, for targets due in the period
    (see :func:`_sla_counts`). None when the automation app is not installed.
    """
    if not apps.is_installed("podpora.automation"):
        return None
    rows = [
        SlaRow(
            target=clock, met=row["met"], total=row["total"], policy=row["policy__name"]
        )
        for clock, row in _sla_counts(report_filter, "policy__name")
    ]
    return sorted(rows, key=lambda r: (r.policy, r.target))


def sla_promises(report_filter: "ReportFilter") -> list[SlaPromise] | None:
    """Met and decided SLA targets per promised target — clock, priority and
    time as the policy's targets state them now — for a client's report,
    which must not show the helpdesk's internal policy names. Targets of two
    policies that promise the same are counted together."""
    if not apps.is_installed("podpora.automation"):
        return None
    from podpora.automation.models import SlaTarget

    counted = list(
        _sla_counts(
            report_filter, "policy_id", "policy__calendar_id", "ticket__priority"
        )
    )
    minutes = {
        (t.policy_id, t.priority, clock): getattr(t, f"{clock}_minutes")
        for t in SlaTarget.objects.filter(
            policy_id__in={row["policy_id"] for _clock, row in counted}
        )
        for clock, _stopped in SLA_CLOCKS
    }
    promises: dict[tuple[Any, ...], SlaPromise] = {}
    for clock, row in counted:
        priority = row["ticket__priority"] or 0
        key = (
            clock,
            priority,
            minutes.get((row["policy_id"], priority, clock)),
            row["policy__calendar_id"] is not None,
        )
        promise = promises.setdefault(
            key,
            SlaPromise(
                target=clock,
                met=0,
                total=0,
                priority=priority,
                minutes=key[2],
                business_hours=key[3],
            ),
        )
        promise.met += row["met"]
        promise.total += row["total"]
    return sorted(
        promises.values(),
        key=lambda p: (
            p.target != "first_response",
            -p.priority,
            p.minutes is None,
            p.minutes or 0,
        ),
    )
