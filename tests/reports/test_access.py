"""Who may open which report, and that exports stay inside the viewer's scope."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MARCH = {"year": 2026, "month": 3}


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def org_url(org, name="reports:organization", **kw):
    return reverse(name, kwargs={"org_id": org.pk, **MARCH, **kw})


def test_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("persona", ["tomasz", "anna", "adam"])
def test_dashboard_is_refused_without_the_reports_right(client, persona, request):
    login(client, request.getfixturevalue(persona))

    assert client.get(reverse("reports:dashboard")).status_code == 403
    assert client.get(reverse("reports:export", args=["csv"])).status_code == 403
    assert client.get(reverse("reports:schedules")).status_code == 403


@pytest.mark.parametrize("persona", ["sylwia", "alicja"])
def test_supervisors_and_admins_see_the_dashboard(client, persona, request, fortnight):
    login(client, request.getfixturevalue(persona))

    response = client.get(
        reverse("reports:dashboard"), {"start": "2026-03-02", "end": "2026-03-13"}
    )

    assert response.status_code == 200
    assert response.context["report"].created == 5


def test_manager_sees_her_organisations_monthly_report(client, anna, org_a, fortnight):
    login(client, anna)

    response = client.get(org_url(org_a))

    assert response.status_code == 200
    assert response.context["r"].report.created == 4
    content = response.content.decode()
    assert "Outlook się zawiesza" in content
    assert "VPN nefunguje" not in content


def test_manager_gets_404_for_another_organisation(client, anna, org_b, fortnight):
    login(client, anna)

    assert client.get(org_url(org_b)).status_code == 404
    for fmt in ("pdf", "csv", "xlsx"):
        url = org_url(org_b, "reports:organization_download", file_format=fmt)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("persona", ["adam", "bara", "tomasz"])
def test_members_and_plain_agents_get_404_for_an_organisation_report(
    client, persona, request, org_a, fortnight
):
    login(client, request.getfixturevalue(persona))

    assert client.get(org_url(org_a)).status_code == 404
    assert client.get(reverse("reports:organizations")).status_code == 404


def test_manager_csv_lists_only_her_organisations_tickets(
    client, anna, org_a, fortnight
):
    login(client, anna)

    response = client.get(
        org_url(org_a, "reports:organization_download", file_format="csv")
    )

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Drukarka znowu nie drukuje" in body
    assert "Outlook się zawiesza" in body
    assert "VPN nefunguje" not in body


def test_dashboard_export_uses_the_viewers_scope(
    client, sylwia, fortnight, monkeypatch
):
    """Even with the reports right, ticket rows come from visible_to."""
    from podpora.reports import exports
    from podpora.tickets.models import Ticket

    monkeypatch.setattr(
        exports,
        "visible_to",
        lambda user: Ticket.objects.filter(subject__startswith="Drukarka"),
    )
    login(client, sylwia)

    response = client.get(
        reverse("reports:export", args=["csv"]),
        {"start": "2026-03-01", "end": "2026-03-31"},
    )

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Drukarka nie drukuje" in body
    assert "Outlook" not in body


def test_bad_month_and_bad_format_are_404(client, sylwia, org_a):
    login(client, sylwia)

    assert (
        client.get(
            reverse(
                "reports:organization",
                kwargs={"org_id": org_a.pk, "year": 2026, "month": 13},
            )
        ).status_code
        == 404
    )
    assert (
        client.get(f"/reports/organisations/{org_a.pk}/2026-03/report.exe").status_code
        == 404
    )


def test_invalid_period_is_explained_not_crashed(client, sylwia):
    login(client, sylwia)

    response = client.get(
        reverse("reports:dashboard"), {"start": "2026-03-10", "end": "2026-03-01"}
    )
    assert response.status_code == 200
    assert "before its start" in response.content.decode()

    export = client.get(reverse("reports:export", args=["csv"]), {"start": "garbage"})
    assert export.status_code == 400


def test_dashboard_query_count_does_not_grow_with_tickets(
    client, sylwia, fortnight, bara, open_ticket_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, sylwia)
    march = {"start": "2026-03-01", "end": "2026-03-31"}
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("reports:dashboard"), march)
    for n in range(5):
        open_ticket_for(bara, f"Další požadavek {n}")

    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(reverse("reports:dashboard"), march)

    assert response.status_code == 200
    # A fixed number: aggregates, agents, CSAT, SLA, deflection, time spent
    # per organisation and category (with their names when there are any).
    assert len(before.captured_queries) <= 24


def test_organisation_report_query_count(
    client, sylwia, org_a, fortnight, django_assert_max_num_queries
):
    login(client, sylwia)
    with django_assert_max_num_queries(18):
        assert client.get(org_url(org_a)).status_code == 200
