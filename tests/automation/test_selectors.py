"""Selectors for queues and reports."""

import pytest
from django.template.loader import render_to_string

from podpora.automation import selectors
from podpora.tickets import services
from podpora.tickets.models import Status, Ticket
from tests.automation.conftest import warsaw

pytestmark = pytest.mark.django_db


def test_queues_can_sort_by_next_breach_without_extra_queries(
    adam,
    tomasz,
    open_ticket_for,
    frozen_now,
    standard_policy,
    django_assert_num_queries,
):
    from podpora.tickets.models import Priority

    frozen_now(warsaw(2026, 1, 12, 9))
    open_ticket_for(adam, "Normal")
    frozen_now(warsaw(2026, 1, 12, 9, 20))
    open_ticket_for(adam, "High", priority=Priority.HIGH)
    waiting = open_ticket_for(adam, "Waiting")
    services.add_reply(
        waiting, author=tomasz, body_text="?", status=Status.WAITING_CUSTOMER
    )
    with django_assert_num_queries(1):
        rows = list(selectors.by_next_breach(Ticket.objects.all()))
    assert [t.subject for t in rows] == ["High", "Normal", "Waiting"]
    assert rows[0].next_breach_at == warsaw(2026, 1, 12, 9, 50)
    assert rows[2].next_breach_at is None


def test_the_queue_badge_shows_breached_and_at_risk(
    adam, open_ticket_for, frozen_now, standard_policy
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    row = selectors.with_next_breach(Ticket.objects.filter(pk=ticket.pk)).get()
    frozen_now(warsaw(2026, 1, 12, 9, 5))
    assert "at risk" in render_to_string(
        "automation/partials/sla_badge.html", {"ticket": row}
    )
    frozen_now(warsaw(2026, 1, 12, 10, 1))
    assert "breached" in render_to_string(
        "automation/partials/sla_badge.html", {"ticket": row}
    )
    frozen_now(warsaw(2026, 1, 12, 7))
    assert (
        render_to_string("automation/partials/sla_badge.html", {"ticket": row}).strip()
        == ""
    )


def test_first_line_resolution_counts_tickets_solved_without_escalation(
    adam, tomasz, service_desk, infrastructure, open_ticket_for
):
    solved = open_ticket_for(adam, team=service_desk)
    services.change_status(solved, Status.RESOLVED, actor=tomasz)
    escalated = open_ticket_for(adam, team=service_desk)
    services.escalate(escalated, actor=tomasz, note="Serwer.")
    services.change_status(escalated, Status.RESOLVED, actor=None)
    open_ticket_for(adam, team=service_desk)  # still open: not counted
    second_line = open_ticket_for(adam, team=infrastructure)  # never 1st line
    services.change_status(second_line, Status.RESOLVED, actor=None)
    assert selectors.first_line_resolution() == {
        "total": 2,
        "solved_by_first_line": 1,
        "escalated": 1,
    }
