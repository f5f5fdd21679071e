"""Figures in business hours follow the calendar of each ticket's SLA policy.

Organisation A (Adam) has a contract for Monday to Saturday 07:00–19:00; any
other ticket falls to the default policy, Monday to Friday 08:00–16:00 (both in
Warsaw, Polish holidays closed). The calendar arithmetic itself is tested in
tests/automation/test_business_hours.py.
"""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from podpora.automation import sla
from podpora.automation.models import (
    BusinessCalendar,
    ClosedDay,
    SlaPolicy,
    SlaTarget,
    TicketSla,
)
from podpora.reports.metrics import ReportFilter, compute_report
from podpora.reports.models import TicketFact
from podpora.tickets import services
from podpora.tickets.models import EventKind, Priority, Status, Ticket
from tests.conftest import PASSWORD
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db

H = 3600
SATURDAY = at(7, 10)  # 7 March 2026, 10:00 in Warsaw


@pytest.fixture
def contract(org_a) -> SlaPolicy:
    """Organisation A's contract: Monday to Saturday 07:00–19:00."""
    calendar = BusinessCalendar.objects.create(
        name="Kowalski 7-19",
        time_zone="Europe/Warsaw",
        country="PL",
        weekly_hours={str(d): "7:00-19:00" for d in range(6)},
    )
    policy = SlaPolicy.objects.create(name="Kowalski", position=10, calendar=calendar)
    policy.organizations.add(org_a)
    return policy


@pytest.fixture
def answer(clock, tomasz, open_ticket_for):
    """``answer(requester, opened, replied[, resolved])``: a ticket opened and
    answered (and resolved) by Tomasz at those moments, read back from the
    database."""

    def _answer(requester, opened, replied, resolved=None, **fields):
        clock.set(opened)
        ticket = open_ticket_for(requester, "Drukarka nie drukuje", **fields)
        clock.set(replied)
        services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")
        if resolved is not None:
            clock.set(resolved)
            services.change_status(ticket, Status.RESOLVED, actor=tomasz)
        return Ticket.objects.get(pk=ticket.pk)

    return _answer


def fact(ticket: Ticket) -> TicketFact:
    return TicketFact.objects.get(ticket=ticket)


def test_a_ticket_under_a_contract_is_measured_on_the_contracts_calendar(
    contract, office_hours, adam, answer
):
    ticket = answer(adam, SATURDAY, at(9, 8), resolved=at(9, 10))

    # Saturday 10–19 and nothing on Sunday; Monday from 07:00.
    assert fact(ticket).frt_business_seconds == 10 * H
    assert fact(ticket).resolution_business_seconds == 12 * H
    assert fact(ticket).frt_seconds == 46 * H


def test_a_ticket_no_contract_covers_is_measured_on_the_default_calendar(
    contract, office_hours, bara, answer
):
    ticket = answer(bara, SATURDAY, at(9, 9), resolved=at(9, 10))

    # The office is closed at the weekend and opens on Monday at 08:00.
    assert fact(ticket).frt_business_seconds == 1 * H
    assert fact(ticket).resolution_business_seconds == 2 * H


def test_a_ticket_whose_clocks_started_before_any_policy_uses_the_default_calendar(
    clock, bara, tomasz, open_ticket_for, request
):
    clock.set(SATURDAY)
    ticket = open_ticket_for(bara, "Drukarka nie drukuje")
    request.getfixturevalue("office_hours")  # the default policy comes later
    clock.set(at(9, 9))
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")

    assert TicketSla.objects.get(ticket=ticket).policy is None
    assert fact(ticket).frt_business_seconds == 1 * H


def test_without_any_sla_policy_business_time_runs_round_the_clock(bara, answer):
    ticket = answer(bara, SATURDAY, at(9, 9))

    assert fact(ticket).frt_business_seconds == fact(ticket).frt_seconds == 47 * H


def test_a_public_holiday_of_the_contract_calendar_is_skipped(contract, adam, answer):
    # Easter Monday, 6 April 2026, is a public holiday in Poland.
    ticket = answer(adam, at(4, 10, month=4), at(7, 8, month=4))

    # Saturday 10–19, then Tuesday 07–08.
    assert fact(ticket).frt_business_seconds == 10 * H


def test_a_closed_day_of_the_contract_calendar_is_skipped(contract, adam, answer):
    ClosedDay.objects.create(calendar=contract.calendar, date=date(2026, 3, 9))

    ticket = answer(adam, SATURDAY, at(10, 8))

    # Saturday 10–19, Monday closed for the stocktaking, Tuesday 07–08.
    assert fact(ticket).frt_business_seconds == 10 * H


def test_dashboard_figures_and_csv_export_show_each_tickets_own_calendar(
    client, sylwia, contract, office_hours, adam, bara, answer
):
    adams = answer(adam, SATURDAY, at(9, 9))
    baras = answer(bara, SATURDAY, at(9, 9))
    client.login(email=sylwia.email, password=PASSWORD)
    period = {"start": "2026-03-02", "end": "2026-03-13"}

    response = client.get(reverse("reports:export", args=["csv"]), period)

    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    header = next(r for r in rows if r and r[0] == "Number")
    tickets = [
        dict(zip(header, r, strict=True)) for r in rows[rows.index(header) + 1 :]
    ]
    hours = {
        t["Number"]: (t["First response (h)"], t["First response (business h)"])
        for t in tickets
    }
    assert hours == {
        str(adams.number): ("47.0", "11.0"),
        str(baras.number): ("47.0", "1.0"),
    }
    # The dashboard's average is that of the two: (11 h + 1 h) / 2.
    page = client.get(reverse("reports:dashboard"), period)
    assert page.context["report"].first_response_business.average == 6 * H


def test_a_new_policy_for_the_ticket_changes_its_business_time_at_once(
    office_hours, bara, tomasz, answer
):
    SlaPolicy.objects.create(
        name="Urgent 24/7", position=5, priorities=[Priority.URGENT]
    )
    ticket = answer(bara, SATURDAY, at(9, 9))
    assert fact(ticket).frt_business_seconds == 1 * H

    services.update_ticket(ticket, actor=tomasz, priority=Priority.URGENT)

    # Urgent tickets are on a policy without business hours: round the clock.
    assert TicketSla.objects.get(ticket=ticket).policy.name == "Urgent 24/7"
    assert fact(ticket).frt_business_seconds == 47 * H


def test_an_sla_warning_leaves_the_business_time_as_it_was(contract, adam, answer):
    SlaTarget.objects.create(
        policy=contract, priority=Priority.NORMAL, resolution_minutes=16 * 60
    )
    ticket = answer(adam, SATURDAY, at(9, 8))
    # 80 % of 16 business hours: Saturday 10–19 and Monday 07:00–10:48.
    assert TicketSla.objects.get(ticket=ticket).resolution_warn_at == at(9, 10, 48)

    result = sla.sweep(now=at(9, 11))

    assert result.warnings == 1
    assert ticket.events.filter(kind=EventKind.SLA, new_value="warning").exists()
    assert fact(ticket).frt_business_seconds == 10 * H


def test_a_rebuild_measures_old_tickets_on_the_calendar_as_it_is_now(
    contract, office_hours, adam, answer
):
    ticket = answer(adam, SATURDAY, at(9, 9))
    assert fact(ticket).frt_business_seconds == 11 * H
    calendar = contract.calendar
    calendar.weekly_hours = {str(d): "9:00-17:00" for d in range(6)}
    calendar.save()
    # Stored figures keep the hours they were measured on until a rebuild.
    assert fact(ticket).frt_business_seconds == 11 * H

    call_command("reports_rebuild", stdout=io.StringIO())

    # Saturday 10–17, Monday from 09:00.
    assert fact(ticket).frt_business_seconds == 7 * H
    report = compute_report(ReportFilter(start=date(2026, 3, 2), end=date(2026, 3, 13)))
    assert report.first_response_business.average == 7 * H


def test_a_rebuild_of_tickets_without_sla_clocks_uses_the_policy_they_would_get(
    contract, office_hours, adam, answer
):
    ticket = answer(adam, SATURDAY, at(9, 9))
    TicketSla.objects.filter(ticket=ticket).delete()

    call_command("reports_rebuild", stdout=io.StringIO())

    assert fact(ticket).frt_business_seconds == 11 * H
