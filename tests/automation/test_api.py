"""``GET /api/v1/tickets/{number}/sla``: the desk's SLA clocks over the API."""

import pytest

from podpora.automation import sla
from podpora.tickets import services
from podpora.tickets.models import Priority, Status

from .conftest import warsaw

pytestmark = pytest.mark.django_db


def _sla(api, ticket):
    response = api.get(f"/api/v1/tickets/{ticket.number}/sla")
    assert response.status_code == 200, response.content
    return response.json()


def _clocks(body):
    return {c["clock"]: c for c in body["clocks"]}


def test_a_new_ticket_shows_its_targets_due_times_and_business_time_left(
    standard_policy, adam, tomasz, service_desk, open_ticket_for, frozen_now, api_as
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam, team=service_desk)
    api = api_as(tomasz)
    frozen_now(warsaw(2026, 1, 12, 9, 50))

    body = _sla(api, ticket)

    assert body["ticket"] == ticket.number
    assert body["policy"]["name"] == "Standard"
    assert body["paused"] is False
    clocks = _clocks(body)
    assert set(clocks) == {"first_response", "resolution"}
    first = clocks["first_response"]
    assert first["target_minutes"] == 60
    assert first["due_at"] == "2026-01-12T09:00:00Z"  # 10:00 in Warsaw
    assert first["remaining_seconds"] == 600
    assert (first["state"], first["warning"], first["breached"]) == (
        "at_risk",
        True,
        False,
    )
    resolution = clocks["resolution"]
    assert resolution["target_minutes"] == 8 * 60
    assert resolution["state"] == "running"
    # 8 business hours from Monday 9:00 end on Tuesday at 9:00.
    assert resolution["due_at"] == "2026-01-13T08:00:00Z"


def test_the_answer_is_the_same_as_the_desks_clocks(
    standard_policy, adam, tomasz, service_desk, open_ticket_for, frozen_now, api_as
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam, team=service_desk, priority=Priority.HIGH)
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzamy.")
    services.add_customer_message(ticket, author=adam, body_text="Nadal nie działa.")
    frozen_now(warsaw(2026, 1, 12, 11))

    body = _sla(api_as(tomasz), ticket)

    ticket.refresh_from_db()
    desk = sla.clock_statuses(ticket, ticket.sla)
    assert [
        (c["clock"], c["state"], c["remaining_seconds"]) for c in body["clocks"]
    ] == [(c.clock, c.state, c.remaining_seconds) for c in desk]
    assert _clocks(body)["first_response"]["state"] == "met"
    assert _clocks(body)["first_response"]["remaining_seconds"] is None
    assert _clocks(body)["next_response"]["target_minutes"] == 60
    assert _clocks(body)["next_response"]["state"] == "breached"
    assert _clocks(body)["next_response"]["remaining_seconds"] == -3600


def test_waiting_on_the_customer_shows_paused_clocks(
    standard_policy, adam, tomasz, service_desk, open_ticket_for, frozen_now, api_as
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam, team=service_desk)
    frozen_now(warsaw(2026, 1, 12, 9, 30))
    services.add_reply(
        ticket, author=tomasz, body_text="Log?", status=Status.WAITING_CUSTOMER
    )
    frozen_now(warsaw(2026, 1, 14, 12))

    body = _sla(api_as(tomasz), ticket)

    assert body["paused"] is True
    assert body["paused_since"] == "2026-01-12T08:30:00Z"
    assert body["next_breach_at"] is None
    resolution = _clocks(body)["resolution"]
    assert resolution["state"] == "paused"
    assert resolution["remaining_seconds"] == 7.5 * 3600


def test_a_breach_recorded_by_the_sweep_is_flagged(
    standard_policy, adam, sylwia, open_ticket_for, frozen_now, api_as
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    sla.sweep(now=frozen_now(warsaw(2026, 1, 12, 10, 5)))

    first = _clocks(_sla(api_as(sylwia), ticket))["first_response"]

    # The warning moment passed too: the sweep records both.
    assert (first["state"], first["warning"], first["breached"]) == (
        "breached",
        True,
        True,
    )
    assert first["remaining_seconds"] == -300


def test_a_ticket_without_a_policy_has_no_clocks(adam, tomasz, open_ticket_for, api_as):
    ticket = open_ticket_for(adam)
    body = _sla(api_as(tomasz), ticket)
    assert body["policy"] is None
    assert body["clocks"] == []


def test_customers_and_agents_out_of_scope_get_404(
    standard_policy, adam, anna, petra, service_desk, open_ticket_for, api_as
):
    ticket = open_ticket_for(adam, team=service_desk)
    for persona in (adam, anna, petra):
        response = api_as(persona).get(f"/api/v1/tickets/{ticket.number}/sla")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
