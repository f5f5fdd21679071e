"""SLA policies, calendars and team auto-assignment pages at /automation/sla/."""

import pytest
from django.urls import reverse

from podpora.automation.data import install_defaults
from podpora.automation.models import (
    AssignmentMode,
    BusinessCalendar,
    SlaPolicy,
    TeamSettings,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_sylwia(client, sylwia):
    client.login(email=sylwia.email, password=PASSWORD)
    return client


def policy_post(**overrides):
    data = {
        "name": "Gold",
        "position": "10",
        "is_active": "on",
        "warning_percent": "75",
        "breach_notify_lead": "on",
        "priorities": ["3", "4"],
        "channels": ["email"],
        "t-TOTAL_FORMS": "4",
        "t-INITIAL_FORMS": "4",
    }
    for i, priority in enumerate((4, 3, 2, 1)):
        data[f"t-{i}-priority"] = str(priority)
        data[f"t-{i}-first_response_minutes"] = str(15 * (5 - priority))
        data[f"t-{i}-resolution_minutes"] = ""
    data.update(overrides)
    return data


def test_the_overview_lists_policies_targets_calendars_and_teams(
    as_sylwia, service_desk, django_assert_max_num_queries
):
    install_defaults()
    with django_assert_max_num_queries(14):
        response = as_sylwia.get(reverse("automation:sla"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Standard" in text
    assert "Biuro (PL) 8-16" in text
    assert "Service Desk" in text


def test_an_agent_without_the_right_cannot_edit_policies(client, tomasz):
    client.login(email=tomasz.email, password=PASSWORD)
    assert client.get(reverse("automation:sla")).status_code == 403
    assert (
        client.post(reverse("automation:policy_new"), policy_post()).status_code == 403
    )
    assert not SlaPolicy.objects.exists()


def test_a_policy_is_created_with_its_targets(as_sylwia, org_a):
    response = as_sylwia.post(
        reverse("automation:policy_new"), policy_post(organizations=[str(org_a.pk)])
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(name="Gold")
    assert policy.priorities == [3, 4]
    assert policy.channels == ["email"]
    assert list(policy.organizations.all()) == [org_a]
    targets = {t.priority: t.first_response_minutes for t in policy.targets.all()}
    assert targets == {4: 15, 3: 30, 2: 45, 1: 60}
    assert policy.warning_percent == 75


def test_only_one_policy_stays_default(as_sylwia):
    install_defaults()
    as_sylwia.post(reverse("automation:policy_new"), policy_post(is_default="on"))
    assert list(
        SlaPolicy.objects.filter(is_default=True).values_list("name", flat=True)
    ) == ["Gold"]


def test_a_bad_warning_share_is_refused(as_sylwia):
    response = as_sylwia.post(
        reverse("automation:policy_new"), policy_post(warning_percent="120")
    )
    assert response.status_code == 400
    assert "between 1 and 99" in response.content.decode()
    assert not SlaPolicy.objects.exists()


def calendar_post(**overrides):
    data = {
        "name": "Praha 9-17",
        "time_zone": "Europe/Prague",
        "country": "CZ",
        "subdivision": "",
        "day_0": "9-12, 13:00-17:00",
        "day_1": "9:00-17:00",
        "closed": "2026-12-31 Silvestr\n2026-12-30",
    }
    data.update(overrides)
    return data


def test_a_calendar_is_created_with_hours_and_closed_days(as_sylwia):
    response = as_sylwia.post(reverse("automation:calendar_new"), calendar_post())
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Praha 9-17")
    assert calendar.weekly_hours == {"0": "9:00-12:00, 13:00-17:00", "1": "9:00-17:00"}
    assert sorted(str(d.date) for d in calendar.closed_days.all()) == [
        "2026-12-30",
        "2026-12-31",
    ]
    page = as_sylwia.get(
        reverse("automation:calendar_edit", args=[calendar.pk])
    ).content.decode()
    assert "Den boje za svobodu a demokracii" in page  # 17 November listed


def test_bad_hours_and_dates_are_explained(as_sylwia):
    response = as_sylwia.post(
        reverse("automation:calendar_new"),
        calendar_post(day_0="17:00-9:00", closed="31.12.2026"),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "ends before it starts" in text
    assert "does not start with a date" in text
    assert not BusinessCalendar.objects.exists()


def test_a_calendar_needs_some_opening_hours(as_sylwia):
    response = as_sylwia.post(
        reverse("automation:calendar_new"), calendar_post(day_0="", day_1="")
    )
    assert response.status_code == 400
    assert "at least one day" in response.content.decode()


def test_team_auto_assignment_is_set_from_the_overview(as_sylwia, service_desk):
    as_sylwia.post(
        reverse("automation:team_assignment", args=[service_desk.pk]),
        {f"t{service_desk.pk}-assignment": AssignmentMode.ROUND_ROBIN},
    )
    assert (
        TeamSettings.objects.get(team=service_desk).assignment
        == AssignmentMode.ROUND_ROBIN
    )


def test_the_overview_warns_when_an_auto_assigning_team_has_nobody_available(
    as_sylwia, service_desk, tomasz
):
    TeamSettings.objects.create(
        team=service_desk, assignment=AssignmentMode.ROUND_ROBIN
    )
    warning = "No agent of this team is available"
    assert warning not in as_sylwia.get(reverse("automation:sla")).content.decode()
    tomasz.availability = "away"
    tomasz.save()
    assert warning in as_sylwia.get(reverse("automation:sla")).content.decode()
    polish = as_sylwia.get(reverse("automation:sla"), HTTP_ACCEPT_LANGUAGE="pl")
    assert "Żaden agent tego zespołu nie jest dostępny" in polish.content.decode()


def test_switching_auto_assignment_on_for_a_team_with_nobody_available_warns(
    as_sylwia, service_desk, tomasz
):
    tomasz.on_leave = True
    tomasz.save()
    response = as_sylwia.post(
        reverse("automation:team_assignment", args=[service_desk.pk]),
        {f"t{service_desk.pk}-assignment": AssignmentMode.LEAST_OPEN},
        follow=True,
    )
    text = response.content.decode()
    assert "Service Desk assigns new tickets automatically" in text
    assert "tickets stay unassigned" in text
