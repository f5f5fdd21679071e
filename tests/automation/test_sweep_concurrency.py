"""Several sweeps at once (schedulers or workers) fire each breach once."""

import threading

import pytest
from django.db import connections

from podpora.automation import sla
from podpora.tickets.models import EventKind, TicketEvent
from tests.automation.conftest import warsaw

SWEEPS = 4
TICKETS = 12


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_fire_every_warning_and_breach_once(
    standard_policy, service_desk, infrastructure, adam, open_ticket_for, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9))
    tickets = [
        open_ticket_for(adam, f"Problem {i}", team=service_desk) for i in range(TICKETS)
    ]
    late = frozen_now(warsaw(2026, 1, 12, 10, 5))
    start = threading.Barrier(SWEEPS)
    results: list[sla.SweepResult] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            start.wait()
            results.append(sla.sweep(now=late))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper) for _ in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.breaches for r in results) == TICKETS
    for ticket in tickets:
        breaches = TicketEvent.objects.filter(
            ticket=ticket, kind=EventKind.SLA, new_value="breached"
        )
        assert breaches.count() == 1
        assert (
            TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).count()
            == 1
        )
