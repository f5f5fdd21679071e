"""Report figures over the API, at ``/api/v1/reports/``.

The same rights as the pages (``reports.access``): the dashboard's figures
need ``Right.VIEW_REPORTS`` (403 otherwise, as on the page); an
organisation's monthly report is also open to that organisation's customer
managers, and answers 404 to anyone else. Filters are checked by the
dashboard's own form and the figures come from ``reports.metrics`` /
``reports.services``, so the API and the pages always agree.
"""

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, ApiError, not_found
from podpora.api.pagination import PageQuery, paginate
from podpora.api.responses import respond, respond_page
from podpora.api.schemas import ChannelName, Id
from podpora.reports import access, services
from podpora.reports.forms import ReportFilterForm, default_filter_data, month_bounds
from podpora.reports.metrics import compute_report
from podpora.reports.schemas import (
    OrganizationRef,
    OrganizationReportOut,
    ReportOut,
    report_fields,
)

router = Router(tags=["reports"])

PathId = Annotated[int, Path(ge=1, le=2**62)]


class MetricsQuery(Schema):
    start: date | None = Field(
        None, description="First day (site time zone); this month's first by default."
    )
    end: date | None = Field(None, description="Last day, included; today by default.")
    granularity: Literal["day", "week", "month"] = "day"
    organization: Id | None = None
    team: Id | None = None
    agent: Id | None = Field(None, description="The current assignee.")
    channel: ChannelName | None = None
    priority: Annotated[int, Field(ge=1, le=4)] | None = None
    category: Id | None = None
    repeat_days: int = Field(
        7,
        ge=1,
        le=30,
        description=(
            "1, 3, 7, 14 or 30: a request repeats one by the same requester "
            "in the same category within this many days."
        ),
    )

    def form_data(self) -> dict[str, str]:
        return {
            name: value.isoformat() if isinstance(value, date) else str(value)
            for name, value in self.model_dump().items()
            if value is not None
        }


def _form_errors(form: ReportFilterForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@router.get(
    "/metrics",
    response={200: ReportOut, **ERROR_RESPONSES},
    summary="The reports dashboard's figures",
)
def metrics(request: HttpRequest, query: Query[MetricsQuery]) -> JsonResponse:
    """Volume per day, week or month, first-response and resolution times
    (calendar and business hours), resolved within 24 h, 1st-line
    resolution, escalations, reopens, repeated requests, load per agent,
    CSAT and SLA compliance: what `/reports/` shows for the same filters.
    Supervisors and administrators only."""
    if not access.can_view_dashboard(caller(request)):
        raise ApiError(403, "not_allowed", _("You are not allowed to see reports."))
    form = ReportFilterForm(default_filter_data(query.form_data()))
    if not form.is_valid():
        raise ApiError(400, "invalid_filter", _form_errors(form))
    report = compute_report(form.report_filter())
    return respond(ReportOut(**report_fields(report)))


class OrganizationPage(Schema):
    items: list[OrganizationRef]
    next_cursor: str | None


@router.get(
    "/organizations",
    response={200: OrganizationPage, **ERROR_RESPONSES},
    summary="Organisations whose monthly report you may read",
)
def report_organizations(request: HttpRequest, query: Query[PageQuery]) -> JsonResponse:
    """All of them with the reports right; for a customer manager the
    organisations they manage; for anyone else none."""
    page = paginate(
        access.report_organizations(caller(request)),
        sort="id",
        allowed={"id": "pk"},
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page(
        (OrganizationRef(id=o.pk, name=o.name) for o in page.items), page.next_cursor
    )


@router.get(
    "/organizations/{organization_id}/{year}/{month}",
    response={200: OrganizationReportOut, **ERROR_RESPONSES},
    summary="An organisation's monthly report",
)
def organization_report(
    request: HttpRequest,
    organization_id: PathId,
    year: Annotated[int, Path(ge=2000, le=2100)],
    month: Annotated[int, Path(ge=1, le=12)],
) -> JsonResponse:
    """The figures of the monthly report a manager sends to the client, with
    created and resolved tickets by category, priority and channel (the
    tickets themselves: `GET /tickets?organization=…`)."""
    organization = (
        access.report_organizations(caller(request)).filter(pk=organization_id).first()
    )
    if organization is None:
        raise not_found()
    report = services.organization_metrics(organization, *month_bounds(year, month))
    fields: dict[str, Any] = report_fields(report)
    return respond(
        OrganizationReportOut(
            organization=OrganizationRef(id=organization.pk, name=organization.name),
            **fields,
        )
    )
