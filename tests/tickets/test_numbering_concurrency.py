"""Ticket numbers are allocated without races, on SQLite and PostgreSQL alike."""

import threading

import pytest
from django.db import connection, connections

from podpora.accounts.models import User
from podpora.tickets import services
from podpora.tickets.models import Channel, Ticket

THREADS = 8
PER_THREAD = 200


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_get_distinct_numbers():
    requester = User.objects.create_user(email="load@kowalski.pl")
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                services.open_ticket(
                    subject=f"Load {i}",
                    requester=requester,
                    channel=Channel.API,
                    body_text="x",
                )
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == THREADS * PER_THREAD
    assert len(set(numbers)) == THREADS * PER_THREAD, connection.vendor
