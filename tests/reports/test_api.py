"""Report figures over the API: the same numbers as the pages for the same
filters, and the same rights."""

import pytest
from django.test import Client
from django.urls import reverse

from podpora.reports.schemas import OrganizationReportOut, ReportOut, report_fields
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

METRICS = "/api/v1/reports/metrics"
FORTNIGHT = {"start": "2026-03-02", "end": "2026-03-13"}
H = 3600


def _page_client(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def _metrics(api, **params):
    response = api.get(METRICS, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_figures_match_the_hand_checked_fortnight(api_as, sylwia, fortnight):
    report = _metrics(api_as(sylwia), **FORTNIGHT)

    assert (report["created"], report["resolved"], report["backlog_end"]) == (5, 3, 2)
    assert report["first_response"]["count"] == 4
    assert report["first_response"]["median_seconds"] == 1.25 * H
    assert report["first_response_business"]["average_seconds"] == 1.125 * H
    assert report["resolution"]["median_seconds"] == 29 * H
    assert report["resolution_business"]["median_seconds"] == 3 * H
    assert report["resolved_within_24h"] == {"count": 1, "pct": 33.3}
    assert report["first_line_resolution"] == {"count": 2, "pct": 66.7}
    assert report["escalated"] == {"count": 1, "pct": 20.0, "events": 1}
    assert report["repeated"] == {"count": 1, "pct": 20.0}
    assert report["hours"][10] == 2
    agents = {a["name"]: a for a in report["agents"]}
    assert agents["Tomasz Wiśniewski"]["created"] == 3
    assert agents["Petra Svobodová"]["resolved"] == 1
    assert report["filter"]["repeat_days"] == 7
    assert (
        _metrics(api_as(sylwia), repeat_days=3, **FORTNIGHT)["repeated"]["count"] == 0
    )


@pytest.mark.parametrize(
    "params",
    [
        FORTNIGHT,
        {**FORTNIGHT, "granularity": "week", "repeat_days": "14"},
        {"start": "2026-03-01", "end": "2026-03-31", "priority": "4"},
        {"start": "2026-03-01", "end": "2026-03-31", "channel": "phone"},
        {"start": "2026-02-01", "end": "2026-04-30", "granularity": "month"},
    ],
)
def test_the_api_and_the_dashboard_give_the_same_numbers(
    api_as, sylwia, fortnight, params
):
    page = _page_client(sylwia).get(reverse("reports:dashboard"), params)
    on_the_page = ReportOut(**report_fields(page.context["report"]))

    assert _metrics(api_as(sylwia), **params) == on_the_page.model_dump(mode="json")


def test_dimension_filters_are_the_dashboards(
    api_as, sylwia, fortnight, org_b, tomasz, service_desk
):
    api = api_as(sylwia)
    for params, created in (
        ({"organization": org_b.pk}, 1),
        ({"agent": tomasz.pk}, 3),
        ({"team": service_desk.pk}, 3),  # the VPN ticket went to Infrastructure
        ({"category": fortnight.printers.pk}, 2),
    ):
        page = _page_client(sylwia).get(
            reverse("reports:dashboard"), {**FORTNIGHT, **params}
        )
        figures = _metrics(api, **FORTNIGHT, **params)
        assert figures["created"] == page.context["report"].created == created


def test_the_default_period_is_this_month_so_far_as_on_the_page(api_as, sylwia):
    page = _page_client(sylwia).get(reverse("reports:dashboard"))
    report = page.context["report"]
    figures = _metrics(api_as(sylwia))
    assert figures["filter"]["start"] == report.filter.start.isoformat()
    assert figures["filter"]["end"] == report.filter.end.isoformat()


@pytest.mark.parametrize("persona", ["tomasz", "petra", "anna", "adam", "bara"])
def test_without_the_reports_right_the_metrics_are_refused(
    request, api_as, persona, fortnight
):
    response = api_as(request.getfixturevalue(persona)).get(METRICS, FORTNIGHT)
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, 400, "invalid_filter"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, 400, "invalid_filter"),
        ({"start": "9999-12-31", "end": "9999-12-31"}, 400, "invalid_filter"),
        ({"organization": "999999"}, 400, "invalid_filter"),
        ({"start": "yesterday"}, 422, "validation_error"),
        ({"repeat_days": "5"}, 400, "invalid_filter"),
        ({"repeat_days": "31"}, 422, "validation_error"),
        ({"priority": "5"}, 422, "validation_error"),
        ({"channel": "fax"}, 422, "validation_error"),
    ],
)
def test_bad_filters_are_explained_not_crashed(api_as, sylwia, params, status, code):
    response = api_as(sylwia).get(METRICS, params)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]


def test_the_dashboard_page_refuses_the_end_of_the_calendar_too(sylwia):
    response = _page_client(sylwia).get(
        reverse("reports:dashboard"), {"start": "9999-12-31", "end": "9999-12-31"}
    )
    assert response.status_code == 200
    assert response.context["report"] is None
    assert response.context["form"].errors


# --- an organisation's monthly report ----------------------------------------------------


def _org_url(org, year=2026, month=3):
    return f"/api/v1/reports/organizations/{org.pk}/{year}/{month}"


def test_a_manager_reads_her_organisations_monthly_report_as_on_the_page(
    api_as, anna, org_a, fortnight
):
    figures = api_as(anna).get(_org_url(org_a))
    assert figures.status_code == 200, figures.content
    # The API answers in the token owner's language: her page, in hers too.
    page = _page_client(anna).get(
        reverse(
            "reports:organization",
            kwargs={"org_id": org_a.pk, "year": 2026, "month": 3},
        ),
        HTTP_ACCEPT_LANGUAGE=anna.language,
    )
    org_report = page.context["r"]
    expected = OrganizationReportOut(
        organization={"id": org_a.pk, "name": org_a.name},
        **report_fields(org_report.report),
    ).model_dump(mode="json")
    assert figures.json() == expected
    assert figures.json()["created"] == 4
    by_category = {
        r["label"]: r["created"] for r in figures.json()["breakdowns"]["category"]
    }
    assert by_category["Drukarki"] == 2
    assert figures.json()["agents"] == []


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("anna", True, False),
        ("adam", False, False),
        ("bara", False, False),
        ("tomasz", False, False),
        ("sylwia", True, True),
        ("alicja", True, True),
    ],
)
def test_organisation_reports_follow_the_pages_rights(
    request, api_as, org_a, org_b, persona, sees_a, sees_b
):
    api = api_as(request.getfixturevalue(persona))
    assert api.get(_org_url(org_a)).status_code == (200 if sees_a else 404)
    assert api.get(_org_url(org_b)).status_code == (200 if sees_b else 404)
    listed = {o["id"] for o in api.get("/api/v1/reports/organizations").json()["items"]}
    assert (org_a.pk in listed, org_b.pk in listed) == (sees_a, sees_b)


def test_a_month_out_of_range_is_a_validation_error(api_as, sylwia, org_a):
    response = api_as(sylwia).get(_org_url(org_a, month=13))
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
