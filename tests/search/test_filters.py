"""The one filter language (``search.filters``): what it accepts, how it
writes a filter back, what it says about a wrong value, what it matches."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from podpora.automation.models import TicketSla
from podpora.search.filters import (
    DaysAgo,
    InvalidFilters,
    TicketFilters,
    apply_filters,
    parse,
)
from podpora.tickets import services
from podpora.tickets.models import Priority
from podpora.tickets.selectors import visible_to


def test_a_filter_is_written_back_in_one_canonical_order():
    one = parse("tag=VPN&status=open&status=new&priority=4&assignee=me&updated_from=7d")
    other = parse(
        "updated_from=7d&assignee=me&priority=4&status=new&tag=vpn&status=open"
    )
    assert one == other
    written = one.query_string()
    assert written == (
        "status=new&status=open&priority=4&assignee=me&tag=vpn&updated_from=7d"
    )
    assert parse(written) == one
    assert one.updated_from == DaysAgo(7)


def test_names_that_are_not_filters_are_left_alone():
    assert parse("sort=-number&page=3&cursor=x").is_empty()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("created_to=0.5", "created_to"),
        ("updated_from=yesterday", "updated_from"),
        ("created_from=0001-01-01T00:00:00%2B01:00", "created_from"),
        ("status=bogus", "status"),
        ("priority=9", "priority"),
        ("assignee=someone", "assignee"),
        ("team=abc", "team"),
        ("organization=-1", "organization"),
        ("breached=maybe", "breached"),
        ("tag=" + "x" * 65, "tag"),
    ],
)
def test_a_wrong_value_is_refused_with_the_fields_message(query, field):
    with pytest.raises(InvalidFilters) as refused:
        parse(query)
    assert list(refused.value.errors) == [field]
    assert refused.value.errors[field][0]


def test_the_message_is_in_the_readers_language():
    with translation.override("pl"), pytest.raises(InvalidFilters) as refused:
        parse("created_to=0.5")
    assert "7d" in refused.value.errors["created_to"][0]
    with translation.override("en"), pytest.raises(InvalidFilters) as english:
        parse("created_to=0.5")
    assert refused.value.errors != english.value.errors


def test_a_day_counts_whole_and_days_ago_count_from_now(
    db, tomasz, printer_ticket_for_filters
):
    ticket = printer_ticket_for_filters
    today = timezone.localdate(ticket.created_at).isoformat()
    found = apply_filters(visible_to(tomasz), tomasz, parse(f"created_to={today}"))
    assert ticket in found
    found = apply_filters(visible_to(tomasz), tomasz, parse(f"created_from={today}"))
    assert ticket in found
    assert ticket in apply_filters(visible_to(tomasz), tomasz, parse("updated_from=1d"))
    assert ticket not in apply_filters(
        visible_to(tomasz), tomasz, parse("updated_to=1d")
    )


@pytest.fixture
def printer_ticket_for_filters(open_ticket_for, adam, service_desk):
    return open_ticket_for(adam, "Drukarka nie drukuje", team=service_desk)


def test_me_and_my_teams_mean_whoever_applies_the_filter(
    db, tomasz, petra, open_ticket_for, bara, service_desk, infrastructure
):
    mine = open_ticket_for(bara, "Service desk ticket", team=service_desk)
    theirs = open_ticket_for(bara, "Infrastructure ticket", team=infrastructure)
    stray = open_ticket_for(bara, "No team yet")
    services.assign(theirs, petra, actor=petra)
    shared = parse("team=mine")
    assert set(apply_filters(visible_to(tomasz), tomasz, shared)) == {mine, stray}
    assert set(apply_filters(visible_to(petra), petra, shared)) == {theirs, stray}
    assert list(apply_filters(visible_to(petra), petra, parse("assignee=me"))) == [
        theirs
    ]
    assert list(apply_filters(visible_to(tomasz), tomasz, parse("team=none"))) == [
        stray
    ]


def test_breached_matches_a_missed_target_even_after_the_sweep_moved_on(
    db, sylwia, open_ticket_for, adam
):
    missed = open_ticket_for(adam, "Missed")
    due_now = open_ticket_for(adam, "Due a minute ago")
    fine = open_ticket_for(adam, "Fine")
    now = timezone.now()
    TicketSla.objects.update_or_create(
        ticket=missed,
        defaults={"first_response_breached": True, "next_breach_at": None},
    )
    TicketSla.objects.update_or_create(
        ticket=due_now, defaults={"next_breach_at": now - dt.timedelta(minutes=1)}
    )
    TicketSla.objects.update_or_create(
        ticket=fine, defaults={"next_breach_at": now + dt.timedelta(hours=3)}
    )
    scope = visible_to(sylwia)
    assert set(apply_filters(scope, sylwia, parse("breached=1"))) == {missed, due_now}
    assert fine in apply_filters(scope, sylwia, parse("breached=0"))
    assert missed not in apply_filters(scope, sylwia, parse("breached=0"))


def test_a_customer_cannot_filter_on_how_tickets_are_routed(
    db, adam, tomasz, open_ticket_for, service_desk
):
    ticket = open_ticket_for(adam, "Routed", team=service_desk)
    services.assign(ticket, tomasz, actor=tomasz)
    for query in ("assignee=none", "team=none", "tag=secret", "breached=1"):
        assert list(apply_filters(visible_to(adam), adam, parse(query))) == [ticket]


def test_words_match_the_subject_or_the_number(db, sylwia, open_ticket_for, adam):
    printer = open_ticket_for(adam, "Drukarka nie drukuje")
    other = open_ticket_for(adam, "VPN")
    scope = visible_to(sylwia)
    assert list(apply_filters(scope, sylwia, parse("q=drukarka"))) == [printer]
    assert list(apply_filters(scope, sylwia, parse(f"q=%23{other.number}"))) == [other]


def test_a_queue_narrowed_by_a_pages_filters_is_one_filter():
    queue = parse("assignee=me&status=new&status=open")
    page = parse("status=open&status=resolved&priority=4")
    both = queue.combined(page)
    assert both == TicketFilters(
        status=["open"], priority=[Priority.URGENT], assignee="me"
    )
    assert queue.combined(TicketFilters()) == queue
