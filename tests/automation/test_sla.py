"""SLA clocks kept by the ticket hook, and the sweep that fires warnings and
breaches exactly once."""

from datetime import timedelta

import pytest

from podpora.automation import sla
from podpora.automation.models import Clock, SlaPolicy, SlaTarget, TicketSla
from podpora.tickets import services
from podpora.tickets.models import (
    Channel,
    EventKind,
    MessageKind,
    Priority,
    Status,
    TicketEvent,
)
from tests.automation.conftest import warsaw

pytestmark = pytest.mark.django_db


def state_of(ticket) -> TicketSla:
    return TicketSla.objects.get(ticket=ticket)


def test_a_new_ticket_gets_due_times_in_business_hours(
    standard_policy, adam, open_ticket_for, frozen_now
):
    # Monday 5 Jan 2026 15:30 (6 Jan is a holiday in Poland).
    frozen_now(warsaw(2026, 1, 5, 15, 30))
    ticket = open_ticket_for(adam)
    state = state_of(ticket)
    assert state.policy == standard_policy
    assert state.first_response_due_at == warsaw(2026, 1, 7, 8, 30)
    assert state.first_response_warn_at == warsaw(2026, 1, 7, 8, 18)
    assert state.resolution_due_at == warsaw(2026, 1, 7, 15, 30)
    assert state.next_response_due_at is None
    assert state.next_check_at == state.first_response_warn_at
    assert state.next_breach_at == state.first_response_due_at


def test_a_ticket_without_any_policy_has_no_clocks(adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    state = state_of(ticket)
    assert state.policy is None
    assert state.next_check_at is None
    assert state.first_response_due_at is None


def test_the_first_matching_policy_wins_over_the_default(
    standard_policy, office_calendar, org_a, adam, bara, open_ticket_for
):
    gold = SlaPolicy.objects.create(name="Gold", position=1, calendar=None)
    gold.organizations.add(org_a)
    SlaTarget.objects.create(
        policy=gold, priority=Priority.NORMAL, first_response_minutes=15
    )
    assert state_of(open_ticket_for(adam)).policy == gold
    assert state_of(open_ticket_for(bara)).policy == standard_policy


def test_policies_can_match_priority_and_channel(
    standard_policy, adam, open_ticket_for
):
    phone = SlaPolicy.objects.create(
        name="Phone urgent",
        position=1,
        priorities=[Priority.URGENT],
        channels=["phone"],
    )
    assert (
        state_of(
            open_ticket_for(adam, channel=Channel.PHONE, priority=Priority.URGENT)
        ).policy
        == phone
    )
    assert (
        state_of(
            open_ticket_for(adam, channel=Channel.EMAIL, priority=Priority.URGENT)
        ).policy
        == standard_policy
    )
    assert (
        state_of(open_ticket_for(adam, channel=Channel.PHONE)).policy == standard_policy
    )


def test_the_first_public_reply_meets_the_first_response_target(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    frozen_now(warsaw(2026, 1, 12, 9, 20))
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")
    state = state_of(ticket)
    ticket.refresh_from_db()
    statuses = {c.clock: c.state for c in sla.clock_statuses(ticket, state)}
    assert statuses["first_response"] == "met"
    assert state.next_check_at == state.resolution_warn_at


def test_an_internal_note_does_not_count_as_a_response(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    services.add_note(ticket, author=tomasz, body_text="Chyba toner.")
    state = state_of(ticket)
    assert state.next_check_at == state.first_response_warn_at


def test_a_customer_message_after_a_reply_starts_the_next_response_clock(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    services.add_reply(ticket, author=tomasz, body_text="Proszę o zrzut ekranu.")
    frozen_now(warsaw(2026, 1, 12, 15))
    services.add_customer_message(ticket, author=adam, body_text="W załączniku.")
    state = state_of(ticket)
    # 2 business hours: 1 h today (until 16:00) and 1 h on Tuesday.
    assert state.next_response_due_at == warsaw(2026, 1, 13, 9)
    frozen_now(warsaw(2026, 1, 13, 8, 30))
    services.add_reply(ticket, author=tomasz, body_text="Dziękuję.")
    assert state_of(ticket).next_response_due_at is None


def test_waiting_on_the_customer_pauses_the_clocks_and_their_reply_resumes_them(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    due = state_of(ticket).resolution_due_at
    assert due == warsaw(2026, 1, 13, 9)
    frozen_now(warsaw(2026, 1, 12, 10))
    services.add_reply(
        ticket,
        author=tomasz,
        body_text="Proszę o numer seryjny.",
        status=Status.WAITING_CUSTOMER,
    )
    state = state_of(ticket)
    assert state.paused_since == warsaw(2026, 1, 12, 10)
    assert state.next_check_at is None
    assert state.next_breach_at is None
    # The customer answers three business hours later.
    frozen_now(warsaw(2026, 1, 12, 13))
    services.add_customer_message(ticket, author=adam, body_text="SN 12345")
    state = state_of(ticket)
    assert state.paused_since is None
    assert state.paused_seconds == 3 * 3600
    assert state.resolution_due_at == warsaw(2026, 1, 13, 12)


def test_resolving_stops_the_clocks_and_reopening_resumes_them(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    services.add_reply(
        ticket, author=tomasz, body_text="Naprawione.", status=Status.RESOLVED
    )
    ticket.refresh_from_db()
    state = state_of(ticket)
    assert state.next_check_at is None
    assert {c.clock: c.state for c in sla.clock_statuses(ticket, state)}[
        "resolution"
    ] == "met"
    frozen_now(warsaw(2026, 1, 12, 11))
    services.add_customer_message(ticket, author=adam, body_text="Znowu nie działa.")
    state = state_of(ticket)
    assert state.paused_since is None
    assert state.resolution_due_at == warsaw(2026, 1, 13, 11)


def test_raising_the_priority_tightens_the_targets(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    services.update_ticket(ticket, actor=tomasz, priority=Priority.HIGH)
    state = state_of(ticket)
    assert state.first_response_due_at == warsaw(2026, 1, 12, 9, 30)
    assert state.resolution_due_at == warsaw(2026, 1, 12, 13)


# --- pauses move only the clocks that were running ---------------------------------------


def test_after_a_wait_on_the_customer_their_reply_gets_the_full_next_response_target(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    # Monday 12 Jan 2026, office hours 8-16.
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    frozen_now(warsaw(2026, 1, 12, 9, 30))
    services.add_reply(
        ticket,
        author=tomasz,
        body_text="Proszę o numer seryjny.",
        status=Status.WAITING_CUSTOMER,
    )
    # The customer answers 8.5 business hours later, on Tuesday at 10:00.
    frozen_now(warsaw(2026, 1, 13, 10))
    services.add_customer_message(ticket, author=adam, body_text="SN 12345")
    state = state_of(ticket)
    assert state.paused_seconds == 8.5 * 3600
    # Two business hours from their reply, not pushed back by the wait.
    assert state.next_response_due_at == warsaw(2026, 1, 13, 12)
    assert state.next_response_warn_at == warsaw(2026, 1, 13, 11, 36)
    # The resolution clock ran before the wait: it moves by the wait.
    assert state.resolution_due_at == warsaw(2026, 1, 14, 9, 30)
    assert state.next_breach_at == warsaw(2026, 1, 13, 12)


def test_reopening_a_resolved_ticket_does_not_move_a_met_first_response_target(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    first_due = state_of(ticket).first_response_due_at
    assert first_due == warsaw(2026, 1, 12, 10)
    services.add_reply(
        ticket, author=tomasz, body_text="Naprawione.", status=Status.RESOLVED
    )
    frozen_now(warsaw(2026, 1, 12, 11))
    services.add_customer_message(ticket, author=adam, body_text="Znowu nie działa.")
    state = state_of(ticket)
    ticket.refresh_from_db()
    assert state.first_response_due_at == first_due
    assert state.next_response_due_at == warsaw(2026, 1, 12, 13)
    statuses = {c.clock: c.state for c in sla.clock_statuses(ticket, state)}
    assert statuses["first_response"] == "met"
    assert statuses["next_response"] == "running"


def test_a_next_response_clock_running_when_the_wait_began_moves_by_the_wait(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")
    frozen_now(warsaw(2026, 1, 12, 10))
    services.add_customer_message(ticket, author=adam, body_text="Jeszcze jedno.")
    assert state_of(ticket).next_response_due_at == warsaw(2026, 1, 12, 12)
    # The agent waits on the customer without answering (no public reply).
    frozen_now(warsaw(2026, 1, 12, 11))
    services.update_ticket(ticket, actor=tomasz, status=Status.WAITING_CUSTOMER)
    frozen_now(warsaw(2026, 1, 12, 14))
    services.add_customer_message(ticket, author=adam, body_text="Już jestem.")
    # One hour was left when the wait began: it runs from the resumption.
    assert state_of(ticket).next_response_due_at == warsaw(2026, 1, 12, 15)


def test_raising_the_priority_after_the_first_response_leaves_that_target_as_met(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    frozen_now(warsaw(2026, 1, 12, 9, 45))
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")
    services.update_ticket(ticket, actor=tomasz, priority=Priority.HIGH)
    state = state_of(ticket)
    ticket.refresh_from_db()
    # Answered in 45 minutes against the 60 of its priority then: still met,
    # not recomputed against the 30 minutes of the new priority.
    assert state.first_response_due_at == warsaw(2026, 1, 12, 10)
    statuses = {c.clock: c.state for c in sla.clock_statuses(ticket, state)}
    assert statuses["first_response"] == "met"
    assert state.resolution_due_at == warsaw(2026, 1, 12, 13)


# --- the sweep -------------------------------------------------------------------------


def sla_events(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA).values_list(
            "field", "new_value"
        )
    )


def test_the_sweep_warns_at_the_share_of_the_target_once(
    standard_policy, adam, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    assert sla.sweep(now=warsaw(2026, 1, 12, 9, 47)).warnings == 0
    result = sla.sweep(now=warsaw(2026, 1, 12, 9, 48))
    assert (result.evaluated, result.warnings, result.breaches) == (1, 1, 0)
    assert sla.sweep(now=warsaw(2026, 1, 12, 9, 49)).evaluated == 0
    assert sla_events(ticket) == [("first_response", "warning")]
    assert state_of(ticket).next_check_at == warsaw(2026, 1, 12, 10)


def test_a_breach_notifies_the_lead_escalates_and_fires_once(
    standard_policy,
    service_desk,
    adam,
    tomasz,
    petra,
    sylwia,
    open_ticket_for,
    frozen_now,
):
    service_desk.lead = sylwia
    service_desk.save()
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam, team=service_desk)
    late = frozen_now(warsaw(2026, 1, 12, 10, 5))
    first = sla.sweep(now=late)
    second = sla.sweep(now=late)
    assert (first.breaches, second.breaches) == (1, 0)
    ticket.refresh_from_db()
    assert ticket.tier == 2
    assert ticket.team.name == "Infrastructure"
    assert sla_events(ticket) == [("first_response", "breached")]
    breach = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SLA)
    assert breach.data["actions"] == ["notified_lead", "escalated"]
    assert sylwia.pk in breach.data["notify"]
    note = ticket.messages.filter(kind=MessageKind.NOTE).first()
    assert "Sylwia Zielińska" in note.body_text
    escalation = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert escalation.via == "sla"


def test_a_breach_can_raise_the_priority(
    standard_policy, adam, open_ticket_for, frozen_now
):
    standard_policy.breach_raise_priority = True
    standard_policy.breach_escalate = False
    standard_policy.save()
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    sla.sweep(now=frozen_now(warsaw(2026, 1, 12, 10, 1)))
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    raised = TicketEvent.objects.get(ticket=ticket, field="priority")
    assert raised.via == "sla"


def test_a_ticket_at_the_top_tier_is_not_escalated_but_the_breach_is_recorded(
    standard_policy, adam, infrastructure, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam, team=infrastructure)
    services.update_ticket(ticket, actor=None, tier=3)
    sla.sweep(now=frozen_now(warsaw(2026, 1, 12, 10, 1)))
    breach = TicketEvent.objects.get(
        ticket=ticket, kind=EventKind.SLA, new_value="breached"
    )
    assert breach.data["actions"][-1].startswith("not_escalated")


def test_the_sweep_claims_each_firing_with_a_compare_and_set(
    standard_policy, adam, open_ticket_for, frozen_now
):
    """Two sweeps reading the same row before either acted: one fires."""
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    state = state_of(ticket)
    due = state.first_response_due_at
    assert sla._claim(state, Clock.FIRST_RESPONSE, due, breach=True)
    assert not sla._claim(state, Clock.FIRST_RESPONSE, due, breach=True)
    state.refresh_from_db()
    assert state.first_response_breached
    assert state.first_response_warning_sent


def test_paused_tickets_are_not_swept(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    services.add_reply(
        ticket, author=tomasz, body_text="?", status=Status.WAITING_CUSTOMER
    )
    assert sla.sweep(now=warsaw(2026, 1, 20, 9)).evaluated == 0


def test_the_sweep_only_reads_states_that_are_due(
    standard_policy, adam, open_ticket_for, frozen_now, django_assert_max_num_queries
):
    frozen_now(warsaw(2026, 1, 12, 9))
    for _ in range(5):
        open_ticket_for(adam)
    with django_assert_max_num_queries(2):
        assert sla.sweep(now=warsaw(2026, 1, 12, 9, 30)).evaluated == 0


def test_the_desk_sees_remaining_business_time_and_states(
    standard_policy, adam, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 15, 30))
    ticket = open_ticket_for(adam)
    state = state_of(ticket)
    clocks = {
        c.clock: c
        for c in sla.clock_statuses(ticket, state, now=warsaw(2026, 1, 13, 8, 20))
    }
    assert clocks["first_response"].state == "at_risk"
    assert clocks["first_response"].remaining_seconds == 10 * 60
    assert clocks["resolution"].state == "running"
    later = {
        c.clock: c
        for c in sla.clock_statuses(ticket, state, now=warsaw(2026, 1, 13, 9))
    }
    assert later["first_response"].state == "breached"
    assert later["first_response"].remaining_seconds == -30 * 60


def test_due_times_shift_by_whole_business_days_over_the_weekend(
    standard_policy, adam, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 16, 15, 30))  # Friday
    ticket = open_ticket_for(adam)
    assert state_of(ticket).first_response_due_at == warsaw(2026, 1, 19, 8, 30)
    assert state_of(ticket).first_response_due_at - warsaw(
        2026, 1, 16, 15, 30
    ) > timedelta(days=2)


def test_the_periodic_jobs_are_registered_and_run(
    standard_policy, adam, open_ticket_for
):
    from podpora.automation import tasks
    from podpora.core.scheduler import all_jobs

    jobs = all_jobs()
    assert jobs["automation.sla_sweep"].every.total_seconds() == 60
    assert jobs["automation.sla_sweep"].task == "podpora.automation.tasks.sla_sweep"
    assert "automation.auto_close" in jobs
    assert "automation.time_rules" in jobs
    open_ticket_for(adam)
    assert tasks.sla_sweep.enqueue().return_value == 0


def test_states_are_rebuilt_for_tickets_written_without_hooks(
    standard_policy, adam, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    TicketSla.objects.all().delete()
    assert sla.rebuild_states() == 1
    assert sla.rebuild_states() == 0
    assert state_of(ticket).first_response_due_at == warsaw(2026, 1, 12, 10)


def test_rebuilding_does_not_fire_last_months_breaches(
    standard_policy, adam, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    TicketSla.objects.all().delete()
    frozen_now(warsaw(2026, 2, 12, 9))
    sla.rebuild_states()
    state = state_of(ticket)
    assert state.first_response_breached
    assert state.resolution_breached
    assert state.next_check_at is None
    assert sla.sweep().evaluated == 0


def test_rebuilding_counts_a_first_response_given_in_time_as_met(
    standard_policy, adam, tomasz, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    frozen_now(warsaw(2026, 1, 12, 9, 20))
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")
    TicketSla.objects.all().delete()
    frozen_now(warsaw(2026, 2, 12, 9))
    sla.rebuild_states()
    state = state_of(ticket)
    assert not state.first_response_breached
    assert state.resolution_breached  # never resolved: that one was missed
