"""The admin's team page: where teams and their agents are edited."""

import pytest
from django.urls import reverse

from podpora.automation.models import AssignmentMode, TeamSettings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_team_page_warns_when_auto_assignment_has_nobody_to_assign_to(
    client, alicja, service_desk, tomasz
):
    TeamSettings.objects.create(
        team=service_desk, assignment=AssignmentMode.ROUND_ROBIN
    )
    client.login(email=alicja.email, password=PASSWORD)
    url = reverse("admin:accounts_team_change", args=[service_desk.pk])
    assert "none of its agents is available" not in client.get(url).content.decode()
    tomasz.availability = "away"
    tomasz.save()
    text = client.get(url).content.decode()
    assert "Service Desk assigns new tickets automatically" in text
    assert "none of its agents is available" in text
    settings_url = reverse(
        "admin:automation_teamsettings_change",
        args=[TeamSettings.objects.get(team=service_desk).pk],
    )
    assert (
        "none of its agents is available" in client.get(settings_url).content.decode()
    )


def test_the_team_page_warns_in_the_admins_language(
    client, alicja, service_desk, tomasz
):
    TeamSettings.objects.create(team=service_desk, assignment=AssignmentMode.LEAST_OPEN)
    service_desk.agents.remove(tomasz)
    client.login(email=alicja.email, password=PASSWORD)
    text = client.get(
        reverse("admin:accounts_team_change", args=[service_desk.pk]),
        HTTP_ACCEPT_LANGUAGE="cs",
    ).content.decode()
    assert "žádný z jeho techniků není dostupný" in text
