from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from podpora.accounts.models import Membership
from podpora.core.sample_data import generate_tickets, generate_tickets_with_stats
from podpora.tickets import services
from podpora.tickets.models import (
    EventKind,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
)
from podpora.tickets.numbering import next_ticket_number, reserve_ticket_numbers
from podpora.tickets.selectors import visible_to

pytestmark = pytest.mark.django_db

TICKETS = 400


@pytest.fixture
def generated():
    # A fixed "now" keeps the random walk, and so these tests, repeatable.
    now = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    assert generate_tickets(TICKETS, seed=3, now=now) == TICKETS
    return now


def _threads():
    messages = defaultdict(list)
    for m in Message.objects.order_by("created_at", "pk"):
        messages[m.ticket_id].append(m)
    events = defaultdict(list)
    for e in TicketEvent.objects.order_by("created_at", "pk"):
        events[e.ticket_id].append(e)
    return messages, events


def test_every_ticket_gets_its_own_number_across_runs_and_after_them(generated):
    generate_tickets(50, seed=4)
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == TICKETS + 50
    customer = Membership.objects.first().user
    opened = services.open_ticket(
        subject="Po imporcie", body_text="x", requester=customer, channel="email"
    )
    assert opened.number > max(numbers)


def test_progress_reports_the_running_total_after_each_batch():
    seen: list[int] = []
    stats = generate_tickets_with_stats(25, progress=seen.append, batch_size=10)
    assert seen == [10, 20, 25]
    assert stats.tickets == 25
    assert stats.messages == Message.objects.count()
    assert stats.events == TicketEvent.objects.count()


def test_tickets_spread_over_the_period_statuses_priorities_and_channels(generated):
    tickets = Ticket.objects.all()
    assert tickets.count() == TICKETS
    earliest = generated - timedelta(days=90)
    assert all(earliest <= t.created_at <= generated for t in tickets)
    assert {t.status for t in tickets} >= {
        Status.NEW,
        Status.OPEN,
        Status.WAITING_CUSTOMER,
        Status.RESOLVED,
        Status.CLOSED,
    }
    assert {t.priority for t in tickets} == {1, 2, 3, 4}
    assert len({t.channel for t in tickets}) >= 5
    assert len({t.team_id for t in tickets}) >= 4
    assert len({t.assignee_id for t in tickets if t.assignee_id}) >= 8
    assert tickets.filter(category__isnull=False).count() == TICKETS
    assert tickets.filter(tags__isnull=False).distinct().count() > TICKETS // 2
    notes = Message.objects.filter(kind=MessageKind.NOTE)
    assert notes.filter(time_spent_minutes__gt=0).exists()
    assert TicketEvent.objects.filter(kind=EventKind.REOPENED).exists()
    assert TicketEvent.objects.filter(kind=EventKind.ESCALATED).exists()


def test_later_tickets_have_higher_numbers(generated):
    created = list(
        Ticket.objects.order_by("number").values_list("created_at", flat=True)
    )
    assert created == sorted(created)


def test_timestamps_agree_with_the_thread_and_history(generated):
    messages, events = _threads()
    for ticket in Ticket.objects.all():
        thread, history = messages[ticket.pk], events[ticket.pk]
        assert thread[0].kind == MessageKind.CUSTOMER
        assert thread[0].created_at == ticket.created_at
        assert history[0].kind == EventKind.CREATED
        moments = [m.created_at for m in thread] + [e.created_at for e in history]
        assert min(moments) == ticket.created_at
        assert max(moments) == ticket.updated_at <= generated
        replies = [m.created_at for m in thread if m.kind == MessageKind.REPLY]
        customer = [m.created_at for m in thread if m.kind == MessageKind.CUSTOMER]
        assert ticket.first_response_at == (replies[0] if replies else None)
        assert ticket.last_agent_activity_at == (replies[-1] if replies else None)
        assert ticket.last_customer_activity_at == customer[-1]
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            resolved = [
                e.created_at
                for e in history
                if e.field == "status" and e.new_value == Status.RESOLVED
            ]
            assert ticket.resolved_at == resolved[-1]
        else:
            assert ticket.resolved_at is None
        if ticket.status == Status.CLOSED:
            assert ticket.closed_at == history[-1].created_at
            assert ticket.resolved_at <= ticket.closed_at
        else:
            assert ticket.closed_at is None


def test_replaying_the_history_gives_the_final_fields(generated):
    _, events = _threads()
    for ticket in Ticket.objects.all():
        # Status starts new and assignee empty; team, tier and priority start
        # at what the ticket was opened with, which the created event implies.
        last: dict[str, str | None] = {
            "status": Status.NEW,
            "assignee": "",
            "team": None,
            "tier": None,
            "priority": None,
        }
        for event in events[ticket.pk]:
            if event.field not in last:
                continue
            before = last[event.field]
            if before is not None:
                assert event.old_value == before, (ticket.number, event.field)
            if event.field == "status":
                assert event.new_value in services.ALLOWED_TRANSITIONS[event.old_value]
            if event.field == "tier":
                assert event.kind == EventKind.ESCALATED
                assert int(event.new_value) == int(event.old_value) + 1
            last[event.field] = event.new_value
        assert ticket.status == last["status"]
        assert str(ticket.assignee_id or "") == last["assignee"]
        for name, value in [
            ("team", ticket.team_id),
            ("tier", ticket.tier),
            ("priority", ticket.priority),
        ]:
            if last[name] is not None:
                assert str(value) == last[name], (ticket.number, name)


def test_message_events_point_at_messages_of_the_same_ticket(generated):
    messages, events = _threads()
    for ticket in Ticket.objects.all():
        own = {m.pk: m for m in messages[ticket.pk]}
        linked = [e for e in events[ticket.pk] if e.message_id]
        for event in linked:
            message = own[event.message_id]
            assert message.created_at == event.created_at
        assert {e.message_id for e in linked} == set(own)


def test_customers_write_customer_messages_and_agents_the_rest(generated):
    for message in Message.objects.select_related("author", "ticket"):
        if message.kind == MessageKind.CUSTOMER:
            assert message.author_id == message.ticket.requester_id
        else:
            assert message.author.is_agent


def test_a_customer_of_one_organisation_never_requests_anothers_ticket(
    org_a, anna, org_b, bara
):
    own = services.open_ticket(
        subject="Persona", body_text="x", requester=anna, channel="portal"
    )
    generate_tickets(TICKETS, seed=5)
    organisations = defaultdict(set)
    for requester, organisation in Ticket.objects.values_list(
        "requester_id", "organization_id"
    ):
        organisations[requester].add(organisation)
        assert Membership.objects.filter(
            user_id=requester, organization_id=organisation
        ).exists()
    assert all(len(orgs) == 1 for orgs in organisations.values())
    # People who were there before are never made requesters, and an
    # organisation the sample data does not know is left alone.
    assert list(Ticket.objects.filter(requester__in=[anna, bara])) == [own]
    assert not Ticket.objects.filter(organization=org_b).exists()


def test_an_organisation_manager_sees_exactly_their_organisations_tickets(generated):
    manager = Membership.objects.filter(role="manager").order_by("pk").first()
    seen = visible_to(manager.user)
    assert seen.exists()
    assert set(seen.values_list("organization_id", flat=True)) == {
        manager.organization_id
    }
    assert (
        seen.count()
        == Ticket.objects.filter(organization_id=manager.organization_id).count()
    )


def test_running_twice_reuses_the_organisations_and_people():
    generate_tickets(10)
    people = Membership.objects.count()
    generate_tickets(10, seed=2)
    assert Membership.objects.count() == people
    assert Ticket.objects.count() == 20


def test_reserved_ticket_numbers_are_fresh_and_never_handed_out_again():
    first = list(reserve_ticket_numbers(5))
    single = next_ticket_number()
    second = list(reserve_ticket_numbers(3))
    assert len({*first, single, *second}) == 9
    assert first == sorted(first)
    assert max(first) < single < min(second)
    assert list(reserve_ticket_numbers(0)) == []


def test_reserving_numbers_recreates_a_lost_counter_above_the_numbers_in_use(
    generated,
):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL numbers come from a sequence, not a counter row")
    TicketNumberCounter.objects.all().delete()
    highest = Ticket.objects.order_by("-number").values_list("number", flat=True)[0]
    assert list(reserve_ticket_numbers(2)) == [highest + 1, highest + 2]
