"""Simulating an unsaved rule on the last 30 days' tickets: the count, the
newest matches with their reasons, and nothing written."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from podpora.automation import simulation
from podpora.automation.models import Rule
from podpora.tickets.models import Ticket, TicketEvent
from podpora.tickets.selectors import visible_to
from tests.automation.test_views import as_sylwia, editor_post  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

INVOICES = [{"field": "subject_or_body", "op": "contains", "value": "faktura, invoice"}]


def _aged(ticket: Ticket, days: int) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    return ticket


def test_the_simulation_counts_the_last_30_days_matches_with_their_reasons(
    adam, sylwia, open_ticket_for
):
    january = open_ticket_for(adam, "Faktura za styczeń")
    by_body = open_ticket_for(adam, "Pytanie", body_text="Where is my INVOICE?")
    open_ticket_for(adam, "Drukarka nie drukuje")
    _aged(open_ticket_for(adam, "Stara faktura"), days=31)
    result = simulation.simulate(INVOICES, "all", visible_to(sylwia))
    assert (result.checked, result.matched) == (3, 2)
    assert [m.ticket for m in result.shown] == [by_body, january]  # newest first
    assert result.shown[0].reasons == ("subject or body contains “invoice”",)
    assert result.shown[1].reasons == ("subject or body contains “faktura”",)


def test_any_of_several_conditions_gives_the_ones_that_held(
    adam, bara, sylwia, org_b, open_ticket_for
):
    open_ticket_for(bara, "Faktura")
    rule = [
        *INVOICES,
        {"field": "organization", "op": "is", "value": str(org_b.pk)},
    ]
    [only] = simulation.simulate(rule, "any", visible_to(sylwia)).shown
    assert only.reasons == (
        "subject or body contains “faktura”",
        f"organisation is {org_b.name}",
    )


def test_the_list_is_bounded_and_says_how_many_more_matched(
    adam, sylwia, open_ticket_for
):
    for i in range(4):
        open_ticket_for(adam, f"Faktura {i}")
    result = simulation.simulate(INVOICES, "all", visible_to(sylwia), shown=3)
    assert result.matched == 4
    assert len(result.shown) == 3
    assert result.more == 1


def test_the_simulation_reads_in_a_fixed_number_of_queries_and_writes_nothing(
    adam, sylwia, open_ticket_for
):
    for i in range(3):
        open_ticket_for(adam, f"Faktura {i}")
    with CaptureQueriesContext(connection) as few:
        simulation.simulate(INVOICES, "all", visible_to(sylwia))
    for i in range(12):
        open_ticket_for(adam, f"Faktura nr {i}")
    events = TicketEvent.objects.count()
    with CaptureQueriesContext(connection) as many:
        assert simulation.simulate(INVOICES, "all", visible_to(sylwia)).matched == 15
    assert len(many) == len(few)
    assert not [
        q["sql"]
        for q in many.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert TicketEvent.objects.count() == events


def test_an_agent_sees_only_the_tickets_they_may_see(
    adam, tomasz, service_desk, infrastructure, open_ticket_for
):
    mine = open_ticket_for(adam, "Faktura dla nas", team=service_desk)
    open_ticket_for(adam, "Faktura dla drugiej linii", team=infrastructure)
    result = simulation.simulate(INVOICES, "all", visible_to(tomasz))
    assert [m.ticket for m in result.shown] == [mine]


def test_the_editor_simulates_the_unsaved_rule_with_links_and_reasons(
    as_sylwia,  # noqa: F811
    adam,
    open_ticket_for,
):
    ticket = open_ticket_for(adam, "Nowa faktura za styczeń")
    open_ticket_for(adam, "VPN nie działa")
    response = as_sylwia.post(
        reverse("automation:rule_simulate"),
        editor_post(**{"c-0-value": "invoice, faktura"}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Would have matched 1 of the 2 tickets of the last 30 days." in text
    assert f'href="/desk/tickets/{ticket.number}/"' in text
    assert "subject contains “faktura”" in text
    assert not Rule.objects.exists()


def test_the_simulation_speaks_polish(as_sylwia, adam, open_ticket_for):  # noqa: F811
    open_ticket_for(adam, "Faktura")
    response = as_sylwia.post(
        reverse("automation:rule_simulate"),
        editor_post(**{"c-0-value": "faktura"}),
        HTTP_ACCEPT_LANGUAGE="pl",
    )
    assert "Reguła pasowałaby do 1 z 1 zgłoszenia z ostatnich 30 dni." in (
        response.content.decode()
    )


def test_a_broken_condition_is_explained(as_sylwia):  # noqa: F811
    response = as_sylwia.post(
        reverse("automation:rule_simulate"),
        editor_post(**{"c-0-op": "regex", "c-0-value": "faktura("}),
    )
    assert response.status_code == 400
    assert "rule-test-errors" in response.content.decode()


def test_only_rule_editors_may_simulate(client, tomasz, adam):
    client.login(email=tomasz.email, password=PASSWORD)
    assert (
        client.post(reverse("automation:rule_simulate"), editor_post()).status_code
        == 403
    )
    client.login(email=adam.email, password=PASSWORD)
    assert (
        client.post(reverse("automation:rule_simulate"), editor_post()).status_code
        == 404
    )
    assert client.get(reverse("automation:rule_simulate")).status_code == 405
