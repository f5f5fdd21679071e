"""The kept figures against a rebuild, and repeats against the raw tickets."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from podpora.reports.facts import DIMENSIONS, rebuild
from podpora.reports.metrics import ReportFilter, compute_report
from podpora.reports.models import REPEAT_WINDOWS, DailyTicketStats, TicketFact
from podpora.tickets import services
from podpora.tickets.models import Message, MessageKind, Ticket
from tests.conftest import PASSWORD
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db

PERIOD = ReportFilter(start=date(2026, 3, 1), end=date(2026, 3, 31))
_KEY = ("day", "grain", *DIMENSIONS)


def kept_figures() -> tuple[dict, dict]:
    """Every non-zero counter of every daily row, and every fact's fields."""
    rows = {}
    for row in DailyTicketStats.objects.values():
        counters = {k: v for k, v in row.items() if k not in ("id", *_KEY) and v}
        if counters:
            rows[tuple(row[k] for k in _KEY)] = counters
    facts = {
        fact["ticket_id"]: {k: v for k, v in fact.items() if k != "computed_at"}
        for fact in TicketFact.objects.values()
    }
    return rows, facts


def assert_kept_equals_rebuild() -> None:
    kept = kept_figures()
    rebuild()
    rows, facts = kept_figures()
    assert facts == kept[1]
    assert rows == kept[0]


def test_figures_kept_by_the_hook_equal_a_rebuild_from_history(fortnight):
    assert_kept_equals_rebuild()


def test_back_dated_tickets_and_events_keep_the_figures_equal_to_a_rebuild(
    fortnight, clock, adam, anna, bara, tomasz, open_ticket_for
):
    # On the 20th a chat from Thursday the 5th is turned into a ticket: Adam's
    # printer again, between Monday's printer and Friday's.
    clock.set(at(20, 12))
    chat = open_ticket_for(
        adam,
        "Drukarka (czat)",
        category=fortnight.printers,
        team=fortnight.printer_monday.team,
        opened_at=at(5, 8),
    )
    services.add_transcript(
        chat,
        entries=[
            services.TranscriptEntry(True, adam, "Drukarka znowu.", at(5, 8)),
            services.TranscriptEntry(False, tomasz, "Już patrzę.", at(5, 8, 10)),
        ],
        actor=tomasz,
    )
    services.change_status(chat, "resolved", actor=tomasz)
    # Anna's "again the same" of the 5th becomes a ticket of its own.
    again = (
        Message.objects.filter(
            ticket=fortnight.outlook_reopened, kind=MessageKind.CUSTOMER
        )
        .order_by("-created_at")
        .first()
    )
    split = services.split_message(again, actor=tomasz)
    services.update_ticket(split, actor=tomasz, category=fortnight.printers)
    # A phone call of the 1st logged late, in the printers category.
    open_ticket_for(
        adam,
        "Drukarka (telefon)",
        category=fortnight.printers,
        actor=tomasz,
        channel="phone",
        opened_at=at(1, 9),
    )
    # And Monday's printer turns out to be a duplicate of the phone call.
    services.merge_tickets(
        fortnight.printer_monday,
        Ticket.objects.get(subject="Drukarka (telefon)"),
        actor=tomasz,
    )

    # Friday's printer now follows the chat of Thursday, 31 hours before.
    assert_kept_equals_rebuild()
    assert TicketFact.objects.get(
        ticket=fortnight.printer_friday
    ).repeat_gap_hours == pytest.approx(31)


def _repeats_from_tickets(
    start, end, window_days: int, asker: str = "requester_id"
) -> int:
    """Tickets created in [start, end) whose requester (``asker``: or
    organisation) opened another ticket in the same category within
    ``window_days`` before; merged ones aside."""
    tickets = list(
        Ticket.objects.filter(merged_into__isnull=True).order_by("created_at", "pk")
    )
    count = 0
    for ticket in tickets:
        if not (start <= ticket.created_at < end) or ticket.category_id is None:
            continue
        if any(
            other.pk != ticket.pk
            and getattr(ticket, asker)
            and getattr(other, asker) == getattr(ticket, asker)
            and other.category_id == ticket.category_id
            and (other.created_at, other.pk) < (ticket.created_at, ticket.pk)
            and ticket.created_at - other.created_at <= timedelta(days=window_days)
            for other in tickets
        ):
            count += 1
    return count


def test_repeated_requests_are_the_same_requesters_and_the_organisations_apart(
    fortnight, clock, adam, anna, bara, open_ticket_for, client, sylwia
):
    # Anna (Adam's colleague) asks about a printer the day after Adam: not a
    # repeat of hers. Adam asks a third time: a repeat of his own.
    clock.set(at(3, 10))
    open_ticket_for(anna, "Drukarka na piętrze", category=fortnight.printers)
    clock.set(at(10, 10))
    open_ticket_for(adam, "Drukarka po raz trzeci", category=fortnight.printers)
    clock.set(at(10, 11))
    open_ticket_for(bara, "Tiskárna", category=fortnight.printers)
    clock.set(at(20, 12))

    start, end = PERIOD.bounds()
    for window in REPEAT_WINDOWS:
        report = compute_report(
            ReportFilter(start=PERIOD.start, end=PERIOD.end, repeat_days=window)
        )
        assert report.repeated == _repeats_from_tickets(start, end, window), window
        assert report.repeated_in_organization == _repeats_from_tickets(
            start, end, window, "organization_id"
        ), window
    week = compute_report(PERIOD)
    assert (week.repeated, week.repeated_in_organization) == (2, 3)
    client.login(email=sylwia.email, password=PASSWORD)
    page = client.get(
        reverse("reports:dashboard"), {"start": "2026-03-01", "end": "2026-03-31"}
    ).content.decode()
    assert "the same requester again in the same category" in page
    kpi = page.split('id="kpi-repeated-organisation"')[1].split("</div>")[0]
    assert ">3<" in kpi
    assert "Repeated in the organisation within 7 days" in kpi
