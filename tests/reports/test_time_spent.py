"""Time spent in the reports, against sums worked out from the messages."""

from collections import Counter
from datetime import date

import pytest
from django.urls import reverse

from podpora.reports.metrics import ReportFilter, compute_report
from podpora.tickets import services
from podpora.tickets.models import Message
from tests.conftest import PASSWORD
from tests.reports.conftest import at
from tests.reports.test_facts import assert_kept_equals_rebuild

pytestmark = pytest.mark.django_db

MARCH = ReportFilter(start=date(2026, 3, 1), end=date(2026, 3, 31))


@pytest.fixture
def logged(fortnight, clock, tomasz, petra):
    """Minutes logged on replies and notes through the services, some on
    the edges of March in Warsaw, and a ticket with time merged into one
    of another category (its messages, and their minutes, move along)."""
    f = fortnight
    for when, ticket, author, minutes, note in (
        (at(2, 10), f.printer_monday, tomasz, 30, False),
        (at(4, 9), f.vpn_escalated, petra, 45, True),
        (at(4, 11), f.outlook_reopened, tomasz, 20, True),
        (at(9, 9, 30), f.printer_friday, tomasz, 15, True),
        (at(7, 11), f.saturday_open, petra, 25, True),
        (at(31, 23, 30), f.outlook_reopened, petra, 10, True),
        (at(1, 0, 30, month=4), f.outlook_reopened, tomasz, 60, True),
    ):
        clock.set(when)
        if note:
            services.add_note(
                ticket, author=author, body_text="Praca.", time_spent_minutes=minutes
            )
        else:
            services.add_reply(
                ticket, author=author, body_text="Hotovo.", time_spent_minutes=minutes
            )
    clock.set(at(20, 12))
    services.merge_tickets(f.saturday_open, f.printer_friday, actor=tomasz)
    clock.set(at(2, 12, month=4))
    return f


def _from_messages(report_filter: ReportFilter) -> dict[str, Counter]:
    """Minutes per organisation, author and category, straight from the
    messages written in the period (merged tickets' have moved on)."""
    start, end = report_filter.bounds()
    sums: dict[str, Counter] = {
        "organization_id": Counter(),
        "agent_id": Counter(),
        "category_id": Counter(),
    }
    for m in Message.objects.select_related("ticket"):
        if m.time_spent_minutes and start <= m.created_at < end:
            assert m.ticket.merged_into_id is None
            sums["organization_id"][m.ticket.organization_id or 0] += (
                m.time_spent_minutes
            )
            sums["agent_id"][m.author_id] += m.time_spent_minutes
            sums["category_id"][m.ticket.category_id or 0] += m.time_spent_minutes
    return sums


def test_time_spent_per_organisation_agent_and_category_equals_the_messages(
    logged, tomasz, petra
):
    report = compute_report(MARCH)
    expected = _from_messages(MARCH)

    assert report.time_spent_minutes == 30 + 45 + 20 + 15 + 25 + 10
    for dimension, rows in report.time_spent.items():
        assert {r.key: r.minutes for r in rows} == dict(expected[dimension])
    assert {r.label: r.minutes for r in report.time_spent["agent_id"]} == {
        tomasz.full_name: 65,
        petra.full_name: 80,
    }
    by_category = {r.label: r.minutes for r in report.time_spent["category_id"]}
    assert by_category["Drukarki"] == 30 + 15 + 25  # the merged ticket's too
    agents = {a.name: a.time_spent_minutes for a in report.agents}
    assert agents[tomasz.full_name] == 65


def test_time_spent_follows_the_filters_and_equals_a_rebuild(logged, org_b, petra):
    only_b = compute_report(
        ReportFilter(start=MARCH.start, end=MARCH.end, organization_id=org_b.pk)
    )
    by_petra = compute_report(
        ReportFilter(start=MARCH.start, end=MARCH.end, agent_id=petra.pk)
    )
    april = compute_report(ReportFilter(start=date(2026, 4, 1), end=date(2026, 4, 30)))

    assert only_b.time_spent_minutes == 45
    # Filtered by agent, time counts for the agent who logged it.
    assert by_petra.time_spent_minutes == 45 + 25 + 10
    assert april.time_spent_minutes == 60
    assert_kept_equals_rebuild()


def test_time_spent_is_on_the_dashboard_in_the_exports_and_the_api(
    client, api_as, sylwia, logged
):
    client.login(email=sylwia.email, password=PASSWORD)
    march = {"start": "2026-03-01", "end": "2026-03-31"}

    page = client.get(reverse("reports:dashboard"), march).content.decode()
    csv = client.get(reverse("reports:export", args=["csv"]), march)
    api = api_as(sylwia).get("/api/v1/reports/metrics", march).json()

    kpi = page.split('id="kpi-time-spent"')[1].split("</div>")[0]
    assert "2.4 h" in kpi
    assert 'id="time-spent"' in page
    text = csv.getvalue().decode()
    assert "Time spent\r\nBy,Name,Minutes,Hours\r\nTotal,,145,2.42\r\n" in text
    assert "By category,Drukarki,70,1.17" in text
    assert api["time_spent"]["total_minutes"] == 145
    assert {r["label"]: r["minutes"] for r in api["time_spent"]["category"]} == {
        "Drukarki": 70,
        "(none)": 75,
    }
