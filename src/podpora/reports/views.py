"""Report pages: parse the filter, check access, compute, render."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from podpora.core.outbox import enqueue_after_commit
from podpora.reports import access, exports, services, tasks
from podpora.reports.forms import ReportFilterForm, ScheduleForm, default_filter_data
from podpora.reports.metrics import ReportFilter, compute_report
from podpora.reports.models import ReportSchedule

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_dashboard(request: HttpRequest) -> None:
    if not access.can_view_dashboard(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


def _filter_form(request: HttpRequest) -> ReportFilterForm:
    return ReportFilterForm(default_filter_data(request.GET))


def _chart_data(report: Any) -> dict[str, Any]:
    weekday_names = [
        _("Mon"),
        _("Tue"),
        _("Wed"),
        _("Thu"),
        _("Fri"),
        _("Sat"),
        _("Sun"),
    ]
    data: dict[str, Any] = {
        "labels": {
            "created": _("Created"),
            "resolved": _("Resolved"),
            "backlog": _("Open at the end"),
            "open_load": _("Open now"),
            "ratings": _("Ratings"),
        },
        "trend": {
            "labels": [p.start.isoformat() for p in report.series],
            "created": [p.created for p in report.series],
            "resolved": [p.resolved for p in report.series],
            "backlog": [p.backlog for p in report.series],
        },
        "hours": {"labels": [f"{h:02d}" for h in range(24)], "values": report.hours},
        "weekdays": {"labels": weekday_names, "values": report.weekdays},
        "agents": {
            "labels": [a.name for a in report.agents[:15]],
            "created": [a.created for a in report.agents[:15]],
            "open_load": [a.open_load for a in report.agents[:15]],
        },
    }
    if report.csat is not None:
        data["csat"] = {
            "labels": ["1", "2", "3", "4", "5"],
            "values": [report.csat.distribution[s] for s in range(1, 6)],
        }
    return data


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_dashboard(request)
    form = _filter_form(request)
    report = None
    if form.is_valid():
        report = compute_report(form.report_filter())
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "report": report,
            "chart_data": _chart_data(report) if report else None,
            "query": request.GET.urlencode(),
            "current_month": timezone.localdate().replace(day=1),
        },
    )


def _download(
    tables: list[exports.Table], filename: str, file_format: str
) -> HttpResponse | StreamingHttpResponse:
    response: HttpResponse | StreamingHttpResponse
    if file_format == "csv":
        response = StreamingHttpResponse(
            exports.csv_lines(tables), content_type="text/csv; charset=utf-8"
        )
        name = f"{filename}.csv"
    elif file_format == "xlsx":
        response = HttpResponse(exports.xlsx_bytes(tables), content_type=XLSX)
        name = f"{filename}.xlsx"
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def export(
    request: HttpRequest, file_format: str
) -> HttpResponse | StreamingHttpResponse:
    """The dashboard's figures and the tickets behind them, within scope."""
    _require_dashboard(request)
    form = _filter_form(request)
    if not form.is_valid():
        return HttpResponse(
            "; ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    report_filter: ReportFilter = form.report_filter()
    report = compute_report(report_filter, agents=False)
    tables = [
        exports.summary_table(report),
        exports.series_table(report),
        exports.time_spent_table(report),
        exports.tickets_table(request.user, report_filter),  # type: ignore[arg-type]
    ]
    name = f"report-{report_filter.start:%Y-%m-%d}-{report_filter.end:%Y-%m-%d}"
    return _download(tables, name, file_format)


def _month(year: int, month: int) -> date:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    return date(year, month, 1)


@login_required
def organizations(request: HttpRequest) -> HttpResponse:
    """The organisations whose monthly reports the viewer may open."""
    orgs = access.report_organizations(request.user).order_by("name")  # type: ignore[arg-type]
    if not orgs.exists():
        raise Http404
    today = timezone.localdate()
    months = []
    first = today.replace(day=1)
    for _i in range(12):
        months.append(first)
        first = (first.replace(day=1) - date.resolution).replace(day=1)
    return render(
        request,
        "reports/organizations.html",
        {"organizations": orgs, "months": months},
    )


def _organization_report(
    request: HttpRequest, org_id: int, year: int, month: int
) -> services.OrganizationReport:
    first = _month(year, month)
    organization = get_object_or_404(
        access.report_organizations(request.user),  # type: ignore[arg-type]
        pk=org_id,
    )
    return services.monthly_organization_report(
        request.user,  # type: ignore[arg-type]
        organization,
        first.year,
        first.month,
    )


@login_required
def organization_report(
    request: HttpRequest, org_id: int, year: int, month: int
) -> HttpResponse:
    org_report = _organization_report(request, org_id, year, month)
    return render(
        request,
        "reports/organization_report.html",
        {
            "r": org_report,
            "previous": (org_report.start - date.resolution).replace(day=1),
            "next": (org_report.end + date.resolution),
            "can_view_dashboard": access.can_view_dashboard(request.user),  # type: ignore[arg-type]
        },
    )


@login_required
def organization_download(
    request: HttpRequest, org_id: int, year: int, month: int, file_format: str
) -> HttpResponse | StreamingHttpResponse:
    org_report = _organization_report(request, org_id, year, month)
    if file_format == "pdf":
        response = HttpResponse(
            services.organization_pdf(org_report), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{org_report.filename}.pdf"'
        )
        return response
    tables = services.organization_tables(request.user, org_report)  # type: ignore[arg-type]
    return _download(tables, org_report.filename, file_format)


# --- scheduled reports -------------------------------------------------------------------


@login_required
def schedules(request: HttpRequest) -> HttpResponse:
    _require_dashboard(request)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            schedule = form.save(commit=False)
            schedule.created_by = request.user
            schedule.save()
            messages.success(request, _("The report is scheduled."))
            return redirect("reports:schedules")
    else:
        form = ScheduleForm(initial={"language": request.LANGUAGE_CODE})
    return render(
        request,
        "reports/schedules.html",
        {
            "form": form,
            "schedules": ReportSchedule.objects.select_related(
                "organization", "created_by"
            ),
        },
    )


@login_required
@require_POST
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_dashboard(request)
    schedule = get_object_or_404(ReportSchedule, pk=pk)
    schedule.delete()
    messages.success(request, _("The scheduled report was removed."))
    return redirect("reports:schedules")


@login_required
@require_POST
def schedule_send(request: HttpRequest, pk: int) -> HttpResponse:
    _require_dashboard(request)
    schedule = get_object_or_404(ReportSchedule, pk=pk)
    enqueue_after_commit(tasks.send_report_now, schedule.pk)
    messages.success(request, _("The report is being sent."))
    return redirect("reports:schedules")
