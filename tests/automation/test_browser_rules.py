"""The rule editor in a real browser: write a rule, try it on a ticket, save."""

import pytest

from podpora.automation.models import Rule
from tests.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_writes_tests_and_saves_a_routing_rule(
    page, live_server, sylwia, adam, service_desk, open_ticket_for
):
    ticket = open_ticket_for(adam, "Faktura za grudzień", body_text="Proszę o korektę.")
    page.goto(live_server.url + "/accounts/login/?next=/automation/rules/new/")
    page.get_by_label("E-mail").fill(sylwia.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/automation/rules/new/")

    page.locator("#id_name").fill("Faktury do Service Desk")
    page.locator("#id_c-0-field").select_option("subject_or_body")
    page.locator("#id_c-0-op").select_option("contains")
    page.locator("#id_c-0-value").fill("invoice, FAKTURA")
    page.locator("#id_a-0-type").select_option("set_team")
    page.locator("#id_a-0-target").select_option(f"team:{service_desk.pk}")
    for _ in range(2):
        page.get_by_role("button", name="Add action").click()
    page.locator("#id_a-3-type").select_option("add_tags")
    page.locator("#id_a-3-text").fill("księgowość")

    page.locator("#id_ticket_number").fill(str(ticket.number))
    page.get_by_role("button", name="Test").click()
    verdict = page.locator("#rule-test-result")
    verdict.get_by_text("yes, because").wait_for()
    assert "subject or body contains “FAKTURA”" in verdict.inner_text()
    screenshot(page, "automation-rule-test")

    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url("**/automation/rules/")
    assert page.get_by_role("link", name="Faktury do Service Desk").is_visible()
    screenshot(page, "automation-rule-list")
    rule = Rule.objects.get(name="Faktury do Service Desk")
    assert rule.actions == [
        {"type": "set_team", "value": str(service_desk.pk)},
        {"type": "add_tags", "value": "księgowość"},
    ]


def test_a_supervisor_sets_up_a_calendar_and_a_policy(page, live_server, sylwia):
    page.goto(live_server.url + "/accounts/login/?next=/automation/sla/calendars/new/")
    page.get_by_label("E-mail").fill(sylwia.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/automation/sla/calendars/new/")
    page.locator("#id_name").fill("Brno 8-16")
    page.locator("#id_time_zone").select_option("Europe/Prague")
    page.locator("#id_country").select_option("CZ")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/automation/sla/")

    page.get_by_role("link", name="New SLA policy").click()
    page.locator("#id_name").fill("Strojírny Gold")
    page.locator("#id_calendar").select_option(label="Brno 8-16")
    page.locator("#id_t-0-first_response_minutes").fill("30")
    page.locator("#id_t-0-resolution_minutes").fill("240")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/automation/sla/")
    assert page.get_by_role("link", name="Strojírny Gold").is_visible()
    assert page.get_by_text("Calendar: Brno 8-16").is_visible()
    screenshot(page, "automation-sla-overview")
