"""Building report documents (page, PDF, CSV, XLSX) and mailing scheduled ones."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from podpora.accounts.models import Organization, User
from podpora.reports import access, exports, providers
from podpora.reports.forms import month_bounds
from podpora.reports.metrics import BY_DIMENSION, Report, ReportFilter, compute_report
from podpora.reports.models import Frequency, ReportSchedule
from podpora.tickets.models import Ticket

log = logging.getLogger(__name__)

# The PDF lists at most this many tickets; the CSV and XLSX list them all.
PDF_TICKET_LIMIT = 300
ORGANIZATION_BREAKDOWNS = ("category_id", "priority", "channel")


@dataclass
class OrganizationReport:
    organization: Organization
    start: date
    end: date
    report: Report
    tickets: list[Ticket]
    tickets_total: int

    @property
    def peak(self) -> int:
        """The tallest bar of the daily chart (at least 1)."""
        return max([1, *(max(p.created, p.resolved) for p in self.report.series)])

    @property
    def breakdown_sections(self) -> list[tuple[str, list[Any]]]:
        return [
            (str(BY_DIMENSION[d]), self.report.breakdowns.get(d, []))
            for d in ORGANIZATION_BREAKDOWNS
        ]

    @property
    def filename(self) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in self.organization.name)
        return f"report-{slug.strip('-').lower()[:40]}-{self.start:%Y-%m}"


def organization_filter(
    organization: Organization, start: date, end: date
) -> ReportFilter:
    return ReportFilter(
        start=start, end=end, organization_id=organization.pk, granularity="day"
    )


def organization_metrics(organization: Organization, start: date, end: date) -> Report:
    """The figures of an organisation's report (the page, the PDF, the
    exports and the API all read them here). The caller has checked
    ``access.report_organizations``."""
    report_filter = organization_filter(organization, start, end)
    report = compute_report(
        report_filter,
        agents=False,
        breakdowns=ORGANIZATION_BREAKDOWNS,
        # The client sees the targets it was promised, not the helpdesk's
        # internal policy names.
        with_sla=False,
        # Time spent per agent is the helpdesk's own (billing: its own report).
        time_breakdowns=False,
    )
    report.sla_promises = providers.sla_promises(report_filter)
    return report


def organization_report(
    viewer: User, organization: Organization, start: date, end: date
) -> OrganizationReport:
    """The figures of one organisation for a period, with the tickets the
    viewer may see. The caller has checked ``access.report_organizations``."""
    report = organization_metrics(organization, start, end)
    report_filter = report.filter
    tickets = exports.scoped_tickets(viewer, report_filter)
    listed = list(tickets[:PDF_TICKET_LIMIT])
    total = len(listed) if len(listed) < PDF_TICKET_LIMIT else tickets.count()
    return OrganizationReport(organization, start, end, report, listed, total)


def monthly_organization_report(
    viewer: User, organization: Organization, year: int, month: int
) -> OrganizationReport:
    return organization_report(viewer, organization, *month_bounds(year, month))


def _print_css() -> str:
    path = finders.find("reports/report.css")
    return Path(str(path)).read_text(encoding="utf-8") if path else ""


def organization_pdf(org_report: OrganizationReport) -> bytes:
    # WeasyPrint narrates every rendering step at INFO.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # Imported here: WeasyPrint loads Pango at import, which only PDF needs.
    from weasyprint import HTML

    html = render_to_string(
        "reports/organization_report_pdf.html",
        {"r": org_report, "css": _print_css(), "generated_at": timezone.now()},
    )
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """The report inlines its stylesheet and needs nothing else: refusing
    every fetch means no text in a report can make the renderer read a local
    file or call a server."""
    raise ValueError(f"report PDFs load no resources ({url[:60]})")


def organization_tables(
    viewer: User, org_report: OrganizationReport
) -> list[exports.Table]:
    report = org_report.report
    tables = [exports.summary_table(report), exports.series_table(report)]
    for dimension in ORGANIZATION_BREAKDOWNS:
        title = str(BY_DIMENSION[dimension])
        tables.append(
            exports.Table(
                title,
                [title, _("Created"), _("Resolved")],
                [
                    [row.label, row.created, row.resolved]
                    for row in report.breakdowns[dimension]
                ],
            )
        )
    tables.append(exports.tickets_table(viewer, report.filter))
    return tables


# --- scheduled reports -------------------------------------------------------------------


def period_before(frequency: str, today: date) -> tuple[date, date]:
    """The last complete week (Monday–Sunday) or month before ``today``."""
    if frequency == Frequency.WEEKLY:
        start = today - timedelta(days=today.weekday() + 7)
        return start, start + timedelta(days=6)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def _may_send(schedule: ReportSchedule) -> bool:
    """A schedule reports with its author's rights; it stops when they go."""
    author = schedule.created_by
    return author is not None and access.can_view_dashboard(author)


def _attachments(
    schedule: ReportSchedule, author: User, start: date, end: date
) -> tuple[dict[str, Any], list[tuple[str, bytes, str]]]:
    files: list[tuple[str, bytes, str]] = []
    if schedule.organization is not None:
        org_report = organization_report(author, schedule.organization, start, end)
        report = org_report.report
        name = org_report.filename
        if schedule.attach_pdf:
            files.append(
                (f"{name}.pdf", organization_pdf(org_report), "application/pdf")
            )
        if schedule.attach_csv:
            csv = exports.csv_bytes(organization_tables(author, org_report))
            files.append((f"{name}.csv", csv, "text/csv"))
    else:
        report = compute_report(ReportFilter(start=start, end=end), agents=False)
        if schedule.attach_csv:
            tables = [exports.summary_table(report), exports.series_table(report)]
            files.append(
                (f"report-{start:%Y-%m-%d}.csv", exports.csv_bytes(tables), "text/csv")
            )
    return {"report": report}, files


def send_schedule(
    schedule: ReportSchedule, *, today: date | None = None, force: bool = False
) -> bool:
    """Mail the schedule's report for the last complete period, once.

    The row lock and ``last_period_start`` make a second run (another
    scheduler, a retried task) a no-op; ``force`` resends (the "send now"
    button)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        schedule = (
            ReportSchedule.objects.select_for_update(of=("self",))
            .select_related("organization", "created_by")
            .get(pk=schedule.pk)
        )
        start, end = period_before(schedule.frequency, today)
        if not force and (
            not schedule.is_active or schedule.last_period_start == start
        ):
            return False
        if not _may_send(schedule):
            log.warning(
                "report schedule %s: its author may no longer see reports", schedule.pk
            )
            return False
        author = schedule.created_by
        assert author is not None
        with translation.override(schedule.language):
            context, files = _attachments(schedule, author, start, end)
            context |= {
                "schedule": schedule,
                "start": start,
                "end": end,
                "base_url": settings.PODPORA_BASE_URL,
            }
            subject = " ".join(
                render_to_string("reports/email/scheduled_subject.txt", context).split()
            )
            text = render_to_string("reports/email/scheduled_body.txt", context)
            html = render_to_string("reports/email/scheduled_body.html", context)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=schedule.recipient_list,
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(html, "text/html")
        for name, content, mimetype in files:
            message.attach(name, content, mimetype)
        message.send()
        schedule.last_period_start = start
        schedule.last_sent_at = timezone.now()
        schedule.save(update_fields=["last_period_start", "last_sent_at"])
    return True


def send_due_schedules(*, today: date | None = None) -> int:
    sent = 0
    for schedule in ReportSchedule.objects.filter(is_active=True).order_by("pk"):
        try:
            sent += send_schedule(schedule, today=today)
        except Exception:  # one broken schedule must not stop the others
            log.exception("report schedule %s failed", schedule.pk)
    return sent
