"""Report figures as the API shows them: a plain transcription of
``reports.metrics.Report``, so the API and the pages show the same numbers."""

from datetime import date
from typing import Any, Literal

from ninja import Field, Schema

from podpora.reports.metrics import Duration, Report


class FilterOut(Schema):
    start: date
    end: date
    granularity: Literal["day", "week", "month"]
    organization: int | None
    team: int | None
    agent: int | None
    channel: str | None
    priority: int | None
    category: int | None
    repeat_days: int


class DurationOut(Schema):
    count: int
    average_seconds: float | None
    median_seconds: float | None
    median_exact: bool = Field(
        description="False when the median was interpolated from a histogram."
    )


class ShareOut(Schema):
    count: int
    pct: float | None = Field(description="Percent, one decimal; null when 0 of 0.")


class EventShareOut(ShareOut):
    events: int


class SeriesPointOut(Schema):
    start: date
    created: int
    resolved: int
    backlog: int = Field(description="Open at the end of the period's step.")


class AgentOut(Schema):
    agent_id: int
    name: str
    created: int
    resolved: int
    responded: int
    average_resolution_hours: float | None
    open_load: int = Field(description="Open tickets assigned to the agent now.")
    time_spent_minutes: int = Field(description="Logged by the agent in the period.")


class BreakdownRowOut(Schema):
    key: int | str | None
    label: str
    created: int
    resolved: int


class CsatOut(Schema):
    count: int
    average: float | None
    distribution: dict[str, int] = Field(description='Stars "1"–"5" → ratings.')
    satisfied_pct: float | None = Field(description="Share of 4 and 5 stars.")
    surveys_sent: int
    response_rate_pct: float | None


class TimeRowOut(Schema):
    key: int | None = Field(description="The id; null for none (no organisation …).")
    label: str
    minutes: int


class TimeSpentOut(Schema):
    total_minutes: int
    organization: list[TimeRowOut]
    agent: list[TimeRowOut] = Field(description="Per agent who logged the time.")
    category: list[TimeRowOut]


class DeflectionOut(Schema):
    opened: int = Field(description="Suggested articles opened from the request form.")
    solved: int = Field(description='Marked "this solved my problem".')
    deflected: int = Field(description="Solved, or no request followed.")
    rate_pct: float | None


class SlaRowOut(Schema):
    policy: str
    target: Literal["first_response", "resolution"]
    met: int
    total: int
    compliance_pct: float | None


class SlaTargetOut(Schema):
    target: Literal["first_response", "resolution"]
    priority: int
    minutes: int | None = Field(
        description="The promised time; null when the policy no longer sets it."
    )
    business_hours: bool = Field(description="False: the clock runs round the clock.")
    label: str
    met: int
    total: int
    compliance_pct: float | None


class ReportFigures(Schema):
    filter: FilterOut
    created: int
    resolved: int
    backlog_start: int
    backlog_end: int
    first_response: DurationOut
    first_response_business: DurationOut
    resolution: DurationOut
    resolution_business: DurationOut
    resolved_within_24h: ShareOut = Field(description="Of the resolved tickets.")
    first_line_resolution: ShareOut = Field(description="Of the resolved tickets.")
    escalated: EventShareOut = Field(description="Of the created tickets.")
    reopened: EventShareOut = Field(description="Of the created tickets.")
    repeated: ShareOut = Field(
        description="Of the created tickets: the same requester asked in the "
        "same category within repeat_days before."
    )
    repeated_in_organization: ShareOut = Field(
        description="Of the created tickets: anyone of the same organisation "
        "asked in the same category within repeat_days before."
    )
    series: list[SeriesPointOut]
    hours: list[int] = Field(description="Tickets created per local hour 0–23.")
    weekdays: list[int] = Field(description="Tickets created Monday … Sunday.")
    agents: list[AgentOut]
    breakdowns: dict[str, list[BreakdownRowOut]]
    csat: CsatOut | None = Field(description="Null when surveys are not set up.")
    deflection: DeflectionOut | None = Field(
        description=(
            "Knowledge-base suggestions that solved a request; null without the "
            "knowledge base or when filtered by anything but the organisation."
        )
    )


class ReportOut(ReportFigures):
    sla: list[SlaRowOut] | None = Field(description="Null without SLA automation.")
    time_spent: TimeSpentOut | None = Field(
        None,
        description=(
            "Minutes logged on replies and notes written in the period, per "
            "organisation and category of the ticket and per agent who logged them."
        ),
    )


class OrganizationRef(Schema):
    id: int
    name: str


class OrganizationReportOut(ReportFigures):
    organization: OrganizationRef
    sla_targets: list[SlaTargetOut] | None = Field(
        None,
        description=(
            "Per promised target (clock, priority, time), without the "
            "helpdesk's internal policy names; null without SLA automation."
        ),
    )


def _duration(value: Duration) -> DurationOut:
    return DurationOut(
        count=value.count,
        average_seconds=value.average,
        median_seconds=value.median,
        median_exact=value.median_exact,
    )


def report_fields(report: Report) -> dict:
    """The figures of ``report`` as the fields of :class:`ReportOut`, or of
    :class:`OrganizationReportOut` for a client's report (``sla_targets``
    instead of ``sla``)."""
    f = report.filter
    csat = None
    if report.csat is not None:
        csat = CsatOut(
            count=report.csat.count,
            average=report.csat.average,
            distribution={str(s): n for s, n in report.csat.distribution.items()},
            satisfied_pct=report.csat.satisfied_pct,
            surveys_sent=report.csat.surveys_sent,
            response_rate_pct=report.csat.response_rate_pct,
        )
    fields: dict[str, Any] = {
        "filter": FilterOut(
            start=f.start,
            end=f.end,
            granularity=f.granularity,  # type: ignore[arg-type]
            organization=f.organization_id,
            team=f.team_id,
            agent=f.agent_id,
            channel=f.channel,
            priority=f.priority,
            category=f.category_id,
            repeat_days=f.repeat_days,
        ),
        "created": report.created,
        "resolved": report.resolved,
        "backlog_start": report.backlog_start,
        "backlog_end": report.backlog_end,
        "first_response": _duration(report.first_response),
        "first_response_business": _duration(report.first_response_business),
        "resolution": _duration(report.resolution),
        "resolution_business": _duration(report.resolution_business),
        "resolved_within_24h": ShareOut(
            count=report.resolved_within_24h, pct=report.resolved_within_24h_pct
        ),
        "first_line_resolution": ShareOut(
            count=report.resolved_first_line, pct=report.first_line_resolution_pct
        ),
        "escalated": EventShareOut(
            count=report.escalated,
            pct=report.escalated_pct,
            events=report.escalation_events,
        ),
        "reopened": EventShareOut(
            count=report.reopened, pct=report.reopen_pct, events=report.reopen_events
        ),
        "repeated": ShareOut(count=report.repeated, pct=report.repeated_pct),
        "repeated_in_organization": ShareOut(
            count=report.repeated_in_organization,
            pct=report.repeated_in_organization_pct,
        ),
        "series": [
            SeriesPointOut(
                start=p.start, created=p.created, resolved=p.resolved, backlog=p.backlog
            )
            for p in report.series
        ],
        "hours": report.hours,
        "weekdays": report.weekdays,
        "agents": [AgentOut(**vars(a)) for a in report.agents],
        "breakdowns": {
            dimension.removesuffix("_id"): [
                BreakdownRowOut(
                    key=r.key, label=r.label, created=r.created, resolved=r.resolved
                )
                for r in rows
            ]
            for dimension, rows in report.breakdowns.items()
        },
        "csat": csat,
        "deflection": None
        if report.deflection is None
        else DeflectionOut(
            opened=report.deflection.opened,
            solved=report.deflection.solved,
            deflected=report.deflection.deflected,
            rate_pct=report.deflection.rate_pct,
        ),
    }
    if report.time_spent:
        fields["time_spent"] = TimeSpentOut(
            total_minutes=report.time_spent_minutes,
            **{
                dimension.removesuffix("_id"): [
                    TimeRowOut(key=r.key or None, label=r.label, minutes=r.minutes)
                    for r in rows
                ]
                for dimension, rows in report.time_spent.items()
            },
        )
    if report.sla_promises is not None:
        fields["sla_targets"] = [
            SlaTargetOut(
                target=p.target,  # type: ignore[arg-type]
                priority=p.priority,
                minutes=p.minutes,
                business_hours=p.business_hours,
                label=p.promise_label,
                met=p.met,
                total=p.total,
                compliance_pct=p.compliance_pct,
            )
            for p in report.sla_promises
        ]
    else:
        fields["sla"] = (
            None
            if report.sla is None
            else [
                SlaRowOut(
                    policy=r.policy,
                    target=r.target,  # type: ignore[arg-type]
                    met=r.met,
                    total=r.total,
                    compliance_pct=r.compliance_pct,
                )
                for r in report.sla
            ]
        )
    return fields
