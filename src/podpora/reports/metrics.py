"""Report figures, read from the daily aggregates (and, for exact medians of
small sets, from the per-ticket facts).

Every figure here is computed for a :class:`ReportFilter` (a period of local
days and optional dimensions). Access is decided by the caller
(``reports.access``); these functions only compute.
"""

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Organization, Team, User
from podpora.reports import providers
from podpora.reports.facts import DIMENSIONS, grain_for, site_zone
from podpora.reports.models import (
    COUNTERS,
    HISTOGRAM_BOUNDS,
    HISTOGRAM_BUCKETS,
    REPEAT_WINDOWS,
    DailyTicketStats,
    TicketFact,
)
from podpora.tickets.models import Category, Channel, Priority

# Up to this many durations, medians are exact (read from the facts through
# their day indexes); above it they are interpolated from the histograms,
# which costs the same at any size. See docs/reports.md for the measurements.
EXACT_MEDIAN_LIMIT = 5000

GRANULARITIES = ("day", "week", "month")


@dataclass(frozen=True)
class ReportFilter:
    start: date
    end: date  # inclusive
    organization_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None
    channel: str | None = None
    priority: int | None = None
    category_id: int | None = None
    granularity: str = "day"
    repeat_days: int = 7

    def dimensions(self) -> dict[str, Any]:
        return {d: getattr(self, d) for d in DIMENSIONS if getattr(self, d) is not None}

    def ticket_filter(self) -> Q:
        """The same dimensions as a condition on tickets (current values)."""
        names = {
            "organization_id": "organization_id",
            "team_id": "team_id",
            "agent_id": "assignee_id",
            "channel": "channel",
            "priority": "priority",
            "category_id": "category_id",
        }
        return Q(**{names[d]: v for d, v in self.dimensions().items()})

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware instants ``[start, end)`` in the site's zone."""
        zone = ZoneInfo(site_zone())
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


@dataclass
class Duration:
    count: int
    average: float | None  # seconds
    median: float | None  # seconds
    median_exact: bool = True

    @property
    def average_hours(self) -> float | None:
        return None if self.average is None else self.average / 3600

    @property
    def median_hours(self) -> float | None:
        return None if self.median is None else self.median / 3600


@dataclass
class SeriesPoint:
    start: date
    created: int
    resolved: int
    backlog: int


@dataclass
class AgentRow:
    agent_id: int
    name: str
    created: int
    resolved: int
    responded: int
    average_resolution_hours: float | None
    open_load: int
    time_spent_minutes: int = 0  # logged by the agent in the period

    @property
    def time_spent_hours(self) -> float:
        return self.time_spent_minutes / 60


@dataclass
class BreakdownRow:
    key: Any
    label: str
    created: int
    resolved: int


@dataclass
class TimeRow:
    key: Any
    label: str
    minutes: int

    @property
    def hours(self) -> float:
        return self.minutes / 60


# Section titles of the breakdowns.
BY_DIMENSION = {
    "organization_id": _("By organisation"),
    "agent_id": _("By agent"),
    "category_id": _("By category"),
    "priority": _("By priority"),
    "channel": _("By channel"),
}
# Time spent is broken down by these (the agent being who logged it).
TIME_BREAKDOWNS = ("organization_id", "agent_id", "category_id")


@dataclass
class Report:
    filter: ReportFilter
    created: int
    resolved: int
    backlog_start: int
    backlog_end: int
    first_response: Duration
    first_response_business: Duration
    resolution: Duration
    resolution_business: Duration
    resolved_within_24h: int
    resolved_first_line: int
    escalated: int
    escalation_events: int
    reopened: int
    reopen_events: int
    repeated: int
    repeated_in_organization: int
    time_spent_minutes: int
    series: list[SeriesPoint]
    hours: list[int]
    weekdays: list[int]
    agents: list[AgentRow] = field(default_factory=list)
    breakdowns: dict[str, list[BreakdownRow]] = field(default_factory=dict)
    # Minutes logged per organisation, agent (who logged them) and category.
    time_spent: dict[str, list[TimeRow]] = field(default_factory=dict)
    csat: "providers.CsatSummary | None" = None
    sla: "list[providers.SlaRow] | None" = None
    deflection: "providers.Deflection | None" = None
    # A client's report: SLA results per promised target, no policy names.
    sla_promises: "list[providers.SlaPromise] | None" = None

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def resolved_within_24h_pct(self) -> float | None:
        return self._pct(self.resolved_within_24h, self.resolved)

    @property
    def first_line_resolution_pct(self) -> float | None:
        return self._pct(self.resolved_first_line, self.resolved)

    @property
    def escalated_pct(self) -> float | None:
        return self._pct(self.escalated, self.created)

    @property
    def reopen_pct(self) -> float | None:
        return self._pct(self.reopened, self.created)

    @property
    def repeated_pct(self) -> float | None:
        return self._pct(self.repeated, self.created)

    @property
    def repeated_in_organization_pct(self) -> float | None:
        return self._pct(self.repeated_in_organization, self.created)

    @property
    def time_spent_hours(self) -> float:
        return self.time_spent_minutes / 60

    @property
    def time_spent_sections(self) -> list[tuple[str, list[TimeRow]]]:
        return [(str(BY_DIMENSION[d]), rows) for d, rows in self.time_spent.items()]

    @property
    def deflection_not_by_filter(self) -> bool:
        """The filter narrows by something deflection is not counted by."""
        return bool(set(self.filter.dimensions()) - providers.DEFLECTION_DIMENSIONS)


# --- medians ------------------------------------------------------------------------


def histogram_median(buckets: Sequence[int]) -> float | None:
    """The median of a duration histogram, interpolated inside its bucket.

    The open last bucket answers its lower bound ("at least")."""
    total = sum(buckets)
    if not total:
        return None
    target = total / 2
    seen = 0
    for index, count in enumerate(buckets):
        if count and seen + count >= target:
            low = HISTOGRAM_BOUNDS[index - 1] if index else 0
            if index >= len(HISTOGRAM_BOUNDS):
                return float(low)
            high = HISTOGRAM_BOUNDS[index]
            return low + (high - low) * (target - seen) / count
        seen += count
    return None  # pragma: no cover - target <= total always ends the loop


def _duration(
    totals: dict[str, int],
    *,
    count_key: str,
    sum_key: str,
    histogram: str,
    exact: Sequence[int] | None,
) -> Duration:
    count = totals.get(count_key) or 0
    if not count:
        return Duration(0, None, None)
    average = (totals.get(sum_key) or 0) / count
    if exact is not None:
        return Duration(count, average, float(statistics.median(exact)))
    buckets = [
        totals.get(f"{histogram}_b{i:02d}") or 0 for i in range(HISTOGRAM_BUCKETS)
    ]
    return Duration(count, average, histogram_median(buckets), median_exact=False)


def _exact_durations(
    report_filter: ReportFilter, day_field: str, columns: tuple[str, str]
) -> tuple[list[int], list[int]]:
    rows = TicketFact.objects.filter(
        counted=True,
        **{f"{day_field}__range": (report_filter.start, report_filter.end)},
        **report_filter.dimensions(),
    ).values_list(*columns)
    first, second = [], []
    for a, b in rows:
        first.append(a or 0)
        second.append(b or 0)
    return first, second


# --- the report -----------------------------------------------------------------------


def _stats(report_filter: ReportFilter, *extra_dims: str) -> QuerySet[DailyTicketStats]:
    dims = report_filter.dimensions()
    return DailyTicketStats.objects.filter(
        grain=grain_for([*dims, *extra_dims]), **dims
    ).order_by()


def _period(
    report_filter: ReportFilter, *extra_dims: str
) -> QuerySet[DailyTicketStats]:
    return _stats(report_filter, *extra_dims).filter(
        day__range=(report_filter.start, report_filter.end)
    )


def bucket_start(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _series(
    report_filter: ReportFilter, daily: dict[date, tuple[int, int]], backlog_start: int
) -> list[SeriesPoint]:
    points: dict[date, SeriesPoint] = {}
    day = report_filter.start
    backlog = backlog_start
    while day <= report_filter.end:
        created, resolved = daily.get(day, (0, 0))
        backlog += created - resolved
        key = bucket_start(day, report_filter.granularity)
        point = points.setdefault(key, SeriesPoint(key, 0, 0, 0))
        point.created += created
        point.resolved += resolved
        point.backlog = backlog
        day += timedelta(days=1)
    return list(points.values())


def compute_report(
    report_filter: ReportFilter,
    *,
    agents: bool = True,
    breakdowns: Iterable[str] = (),
    with_csat: bool = True,
    with_deflection: bool = True,
    with_sla: bool = True,
    time_breakdowns: bool = True,
) -> Report:
    if report_filter.repeat_days not in REPEAT_WINDOWS:
        raise ValueError(f"repeat window must be one of {REPEAT_WINDOWS}")
    totals = {
        k: v or 0
        for k, v in _period(report_filter)
        .aggregate(**{c: Sum(c) for c in COUNTERS})
        .items()
    }
    before = (
        _stats(report_filter)
        .filter(day__lt=report_filter.start)
        .aggregate(created=Sum("created"), resolved=Sum("resolved"))
    )
    backlog_start = (before["created"] or 0) - (before["resolved"] or 0)
    daily = {
        row["day"]: (row["c"] or 0, row["r"] or 0)
        for row in _period(report_filter)
        .values("day")
        .annotate(c=Sum("created"), r=Sum("resolved"))
    }
    series = _series(report_filter, daily, backlog_start)
    weekdays = [0] * 7
    for day, (created, _resolved) in daily.items():
        weekdays[day.weekday()] += created

    exact_frt = exact_res = None
    if 0 < totals["responded"] <= EXACT_MEDIAN_LIMIT:
        exact_frt = _exact_durations(
            report_filter, "response_day", ("frt_seconds", "frt_business_seconds")
        )
    if 0 < totals["resolved"] <= EXACT_MEDIAN_LIMIT:
        exact_res = _exact_durations(
            report_filter,
            "resolved_day",
            ("resolution_seconds", "resolution_business_seconds"),
        )

    report = Report(
        filter=report_filter,
        created=totals["created"],
        resolved=totals["resolved"],
        backlog_start=backlog_start,
        backlog_end=backlog_start + totals["created"] - totals["resolved"],
        first_response=_duration(
            totals,
            count_key="responded",
            sum_key="frt_sum",
            histogram="frt",
            exact=exact_frt[0] if exact_frt else None,
        ),
        first_response_business=_duration(
            totals,
            count_key="responded",
            sum_key="frt_biz_sum",
            histogram="frt_biz",
            exact=exact_frt[1] if exact_frt else None,
        ),
        resolution=_duration(
            totals,
            count_key="resolved",
            sum_key="res_sum",
            histogram="res",
            exact=exact_res[0] if exact_res else None,
        ),
        resolution_business=_duration(
            totals,
            count_key="resolved",
            sum_key="res_biz_sum",
            histogram="res_biz",
            exact=exact_res[1] if exact_res else None,
        ),
        resolved_within_24h=totals["resolved_24h"],
        resolved_first_line=totals["resolved_first_line"],
        escalated=totals["escalated"],
        escalation_events=totals["escalation_events"],
        reopened=totals["reopened"],
        reopen_events=totals["reopen_events"],
        repeated=totals[f"repeat_{report_filter.repeat_days}"],
        repeated_in_organization=totals[f"repeat_org_{report_filter.repeat_days}"],
        time_spent_minutes=totals["time_minutes"],
        series=series,
        hours=[totals[f"hour_{h:02d}"] for h in range(24)],
        weekdays=weekdays,
    )
    if agents:
        report.agents = agent_rows(report_filter)
    for dimension in breakdowns:
        report.breakdowns[dimension] = breakdown(report_filter, dimension)
    if time_breakdowns:
        for dimension in TIME_BREAKDOWNS:
            if dimension == "agent_id" and agents:
                # The agents' rows have read it already.
                rows = [
                    TimeRow(a.agent_id, a.name, a.time_spent_minutes)
                    for a in report.agents
                    if a.time_spent_minutes
                ]
                report.time_spent[dimension] = sorted(
                    rows, key=lambda r: (-r.minutes, r.label)
                )
            else:
                report.time_spent[dimension] = time_spent(report_filter, dimension)
    if with_csat:
        report.csat = providers.csat(report_filter)
    if with_deflection:
        report.deflection = providers.deflection(report_filter)
    if with_sla:
        report.sla = providers.sla_compliance(report_filter)
    return report


def agent_rows(report_filter: ReportFilter) -> list[AgentRow]:
    """Tickets per agent in the period and each agent's open load now."""
    rows: dict[int, dict[str, Any]] = {
        row["agent_id"]: dict(row)
        for row in _period(report_filter, "agent_id")
        .exclude(agent_id=0)
        .values("agent_id")
        .annotate(
            c=Sum("created"),
            r=Sum("resolved"),
            rs=Sum("res_sum"),
            fr=Sum("responded"),
            tm=Sum("time_minutes"),
        )
    }
    # Open now = created minus resolved over all time, per current assignee:
    # a ticket is open exactly while it has no resolution time, so the
    # aggregates answer this without touching the ticket table.
    load = {
        row["agent_id"]: (row["c"] or 0) - (row["r"] or 0)
        for row in _stats(report_filter, "agent_id")
        .exclude(agent_id=0)
        .values("agent_id")
        .annotate(c=Sum("created"), r=Sum("resolved"))
    }
    load = {agent: n for agent, n in load.items() if n > 0}
    ids = set(rows) | set(load)
    names = _labels("agent_id", ids)
    result = []
    for agent_id in ids:
        row: dict[str, Any] = rows.get(agent_id, {})
        resolved = row.get("r") or 0
        result.append(
            AgentRow(
                agent_id=agent_id,
                name=names.get(agent_id) or f"#{agent_id}",
                created=row.get("c") or 0,
                resolved=resolved,
                responded=row.get("fr") or 0,
                average_resolution_hours=(row.get("rs") or 0) / resolved / 3600
                if resolved
                else None,
                open_load=load.get(agent_id, 0),
                time_spent_minutes=row.get("tm") or 0,
            )
        )
    result.sort(key=lambda a: (-a.created, -a.open_load, a.name))
    return result


BREAKDOWNS = ("organization_id", "team_id", "channel", "priority", "category_id")


def _labels(dimension: str, keys: Iterable[Any]) -> dict[Any, str]:
    keys = [k for k in keys if k]
    if dimension == "organization_id":
        return dict(Organization.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "team_id":
        return dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "category_id":
        return dict(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "agent_id":
        return {
            pk: full_name or email
            for pk, full_name, email in User.objects.filter(pk__in=keys).values_list(
                "pk", "full_name", "email"
            )
        }
    if dimension == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    if dimension == "priority":
        return {k: str(Priority(k).label) for k in keys if k in Priority.values}
    return {}


def breakdown(report_filter: ReportFilter, dimension: str) -> list[BreakdownRow]:
    if dimension not in BREAKDOWNS:
        raise ValueError(dimension)
    rows = list(
        _period(report_filter, dimension)
        .values(dimension)
        .annotate(c=Sum("created"), r=Sum("resolved"))
    )
    labels = _labels(dimension, [r[dimension] for r in rows])
    result = [
        BreakdownRow(
            key=row[dimension],
            label=labels.get(row[dimension]) or str(_("(none)")),
            created=row["c"] or 0,
            resolved=row["r"] or 0,
        )
        for row in rows
        if (row["c"] or row["r"])
    ]
    result.sort(key=lambda r: (-r.created, -r.resolved, r.label))
    return result


def time_spent(report_filter: ReportFilter, dimension: str) -> list[TimeRow]:
    """Minutes logged in the period per ``dimension``, most first. Per agent
    they count under the agent who logged them."""
    if dimension not in TIME_BREAKDOWNS:
        raise ValueError(dimension)
    rows = [
        (row[dimension], row["m"])
        for row in _period(report_filter, dimension)
        .values(dimension)
        .annotate(m=Sum("time_minutes"))
        if row["m"]
    ]
    labels = _labels(dimension, [key for key, _minutes in rows])
    result = [
        TimeRow(key, labels.get(key) or str(_("(none)")), minutes)
        for key, minutes in rows
    ]
    result.sort(key=lambda r: (-r.minutes, r.label))
    return result
