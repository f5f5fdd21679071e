"""CSV and XLSX exports that are safe to open in a spreadsheet.

Any text cell that a spreadsheet could read as a formula (starting with
``= + - @``, a tab or a carriage return) is prefixed with an apostrophe, the
usual defence against CSV injection: ticket subjects and names come from
outside. Numbers stay numbers. Ticket rows always come from the viewer's
access scope (``tickets.selectors.visible_to``).
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from openpyxl import Workbook

from podpora.accounts.models import User
from podpora.core.clean import without_controls
from podpora.reports.metrics import Duration, Report, ReportFilter
from podpora.tickets.models import Priority, Status, Ticket
from podpora.tickets.selectors import visible_to

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value a spreadsheet will show as text, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    # Stored text has no control characters (core.clean); old rows may, and
    # one would make the whole XLSX file unreadable.
    text = without_controls(str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


@dataclass
class Table:
    title: str
    header: list[str]
    rows: Iterable[list[Any]]


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _duration_cells(duration: Duration) -> list[Any]:
    return [
        None if duration.median_hours is None else round(duration.median_hours, 2),
        None if duration.average_hours is None else round(duration.average_hours, 2),
    ]


def summary_table(report: Report) -> Table:
    rows: list[list[Any]] = [
        [_("Period"), f"{report.filter.start} – {report.filter.end}"],
        [_("Tickets created"), report.created],
        [_("Tickets resolved"), report.resolved],
        [_("Open at the start"), report.backlog_start],
        [_("Open at the end"), report.backlog_end],
    ]
    for label, duration in (
        (_("First response, calendar hours (median, average)"), report.first_response),
        (
            _("First response, business hours (median, average)"),
            report.first_response_business,
        ),
        (_("Resolution, calendar hours (median, average)"), report.resolution),
        (
            _("Resolution, business hours (median, average)"),
            report.resolution_business,
        ),
    ):
        rows.append([label, *_duration_cells(duration)])
    rows += [
        [_("Resolved within 24 hours (%)"), report.resolved_within_24h_pct],
        [_("Resolved by the 1st line (%)"), report.first_line_resolution_pct],
        [_("Escalated tickets"), report.escalated],
        [_("Reopened tickets (%)"), report.reopen_pct],
        [
            _("Repeated requests within %(days)s days (same requester and category)")
            % {"days": report.filter.repeat_days},
            report.repeated,
        ],
        [
            _(
                "Repeated in the organisation within %(days)s days "
                "(anyone of the organisation, same category)"
            )
            % {"days": report.filter.repeat_days},
            report.repeated_in_organization,
        ],
    ]
    if report.csat is not None:
        rows.append([_("Satisfaction: ratings"), report.csat.count])
        rows.append([_("Satisfaction: average (1–5)"), report.csat.average])
        for score, count in report.csat.distribution.items():
            rows.append([_("Satisfaction: %(n)s stars") % {"n": score}, count])
    if report.deflection is not None:
        rows.append([_("Suggested articles opened"), report.deflection.opened])
        rows.append([_("Solved by the knowledge base (%)"), report.deflection.rate_pct])
    for sla in report.sla or ():
        rows.append([f"SLA {sla.policy} ({sla.target_label}) %", sla.compliance_pct])
    for promise in report.sla_promises or ():
        label = " · ".join(
            filter(None, [promise.promise_label, promise.priority_label])
        )
        rows.append([f"SLA: {label} (%)", promise.compliance_pct])
    return Table(_("Summary"), [_("Figure"), _("Value"), ""], rows)


def time_spent_table(report: Report) -> Table:
    """Hours logged per organisation, agent (who logged them) and category."""
    rows: list[list[Any]] = [
        [_("Total"), "", report.time_spent_minutes, round(report.time_spent_hours, 2)]
    ]
    for title, entries in report.time_spent_sections:
        rows += [[title, e.label, e.minutes, round(e.hours, 2)] for e in entries]
    return Table(
        _("Time spent"),
        [_("By"), pgettext("time spent by", "Name"), _("Minutes"), _("Hours")],
        rows,
    )


def series_table(report: Report) -> Table:
    return Table(
        _("Trend"),
        [_("From"), _("Created"), _("Resolved"), _("Open at the end")],
        ([p.start, p.created, p.resolved, p.backlog] for p in report.series),
    )


def scoped_tickets(user: User, report_filter: ReportFilter) -> QuerySet[Ticket]:
    """Tickets created in the period, within the filter and the viewer's scope."""
    start, end = report_filter.bounds()
    return (
        visible_to(user)
        .filter(
            report_filter.ticket_filter(),
            created_at__gte=start,
            created_at__lt=end,
            merged_into__isnull=True,
        )
        .select_related(
            "organization", "team", "assignee", "category", "requester", "report_fact"
        )
        .order_by("created_at", "pk")
    )


TICKET_HEADER_LABELS = (
    gettext_noop("Number"),
    gettext_noop("Subject"),
    gettext_noop("Status"),
    gettext_noop("Priority"),
    gettext_noop("Channel"),
    gettext_noop("Organisation"),
    gettext_noop("Team"),
    gettext_noop("Assignee"),
    gettext_noop("Category"),
    gettext_noop("Requester"),
    gettext_noop("Created"),
    gettext_noop("First response"),
    gettext_noop("Resolved"),
    gettext_noop("First response (h)"),
    gettext_noop("First response (business h)"),
    gettext_noop("Resolution (h)"),
    gettext_noop("Resolution (business h)"),
    gettext_noop("Reopened"),
    gettext_noop("Escalated"),
)


def _ticket_rows(tickets: QuerySet[Ticket]) -> Iterator[list[Any]]:
    for ticket in tickets.iterator(chunk_size=2000):
        fact = getattr(ticket, "report_fact", None)
        yield [
            ticket.number,
            ticket.subject,
            Status(ticket.status).label,
            Priority(ticket.priority).label,
            ticket.get_channel_display(),
            ticket.organization.name if ticket.organization else "",
            ticket.team.name if ticket.team else "",
            ticket.assignee.display_name if ticket.assignee else "",
            ticket.category.name if ticket.category else "",
            ticket.requester.display_name,
            ticket.created_at,
            ticket.first_response_at,
            ticket.resolved_at,
            _hours(fact.frt_seconds) if fact else None,
            _hours(fact.frt_business_seconds) if fact else None,
            _hours(fact.resolution_seconds) if fact else None,
            _hours(fact.resolution_business_seconds) if fact else None,
            bool(fact and fact.reopen_count),
            bool(fact and fact.escalation_count),
        ]


def tickets_table(user: User, report_filter: ReportFilter) -> Table:
    return Table(
        _("Tickets"),
        [_(label) for label in TICKET_HEADER_LABELS],
        _ticket_rows(scoped_tickets(user, report_filter)),
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(tables: Iterable[Table]) -> Iterator[str]:
    """The tables one after another, each under its title, for streaming.

    A byte order mark first, so that Excel reads the file as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for index, table in enumerate(tables):
        if index:
            yield "\r\n"
        yield writer.writerow([neutralise(table.title)])
        yield writer.writerow([neutralise(h) for h in table.header])
        for row in table.rows:
            yield writer.writerow([neutralise(v) for v in row])


def csv_bytes(tables: Iterable[Table]) -> bytes:
    return "".join(csv_lines(tables)).encode("utf-8")


def xlsx_bytes(tables: Iterable[Table]) -> bytes:
    workbook = Workbook(write_only=True)
    for table in tables:
        # Sheet titles may not contain []:*?/\ and are at most 31 characters.
        title = "".join(c for c in table.title if c not in "[]:*?/\\")[:31]
        sheet = workbook.create_sheet(title=title or "Sheet")
        sheet.append([neutralise(h) for h in table.header])
        for row in table.rows:
            sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
