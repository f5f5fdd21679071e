"""The rule editor in a real browser: write a rule, try it on a ticket, save."""

import pytest

from podpora.automation.models import Rule
from tests.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user, path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")


def test_a_supervisor_writes_tests_and_saves_a_routing_rule(
    page, live_server, sylwia, adam, service_desk, open_ticket_for
):
    ticket = open_ticket_for(adam, "Faktura za grudzień", body_text="Proszę o korektę.")
    sign_in(page, live_server, sylwia, "/automation/rules/new/")

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
    sign_in(page, live_server, sylwia, "/automation/sla/calendars/new/")
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


def test_a_supervisor_simulates_an_unsaved_rule_on_last_months_tickets(
    page, live_server, sylwia, adam, open_ticket_for
):
    invoice = open_ticket_for(adam, "Faktura za grudzień")
    open_ticket_for(adam, "Drukarka nie drukuje")
    sign_in(page, live_server, sylwia, "/automation/rules/new/")

    page.locator("#id_c-0-field").select_option("subject")
    page.locator("#id_c-0-op").select_option("contains")
    page.locator("#id_c-0-value").fill("faktura")
    page.get_by_role("button", name="Simulate", exact=True).click()
    result = page.locator("#rule-simulation-result")
    result.get_by_text("Would have matched 1 of the 2 tickets").wait_for()
    assert "subject contains “faktura”" in result.inner_text()
    screenshot(page, "automation-rule-simulation")
    result.get_by_role("link", name=invoice.reference).click()
    page.wait_for_url(f"**/desk/tickets/{invoice.number}/")
    assert not Rule.objects.exists()
