"""Realistic helpdesk data, fast: for the demo, for benchmarks, for tests.

``generate_tickets(n)`` fills the default database with ``n`` tickets of
Polish and Czech client companies spread over the last ``days`` days, each
with a believable thread and the history (``TicketEvent``) that the services
would have written for it. It skips the services on purpose: rows are
simulated in memory (``lifecycle``) and written in bulk (``writer``), which is
what makes a million tickets a matter of minutes. Hooks are therefore not
called: apps that keep derived data (search index, SLA clocks) rebuild it
from the tables. The desk's queue counts are rebuilt here, at the end:
its sidebar shows them to every agent on every page.
"""

import queue
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from django.db import connection, connections
from django.utils import timezone

from podpora.core.sample_data import texts
from podpora.core.sample_data.lifecycle import Simulator, TicketPlan
from podpora.core.sample_data.world import World, ensure_world
from podpora.core.sample_data.writer import Stats, analyze, write_batch
from podpora.tickets.numbering import reserve_ticket_numbers

__all__ = [
    "Stats",
    "TicketPlan",
    "World",
    "ensure_world",
    "generate_tickets",
    "generate_tickets_with_stats",
    "texts",
]

BATCH_SIZE = 1000


def generate_tickets(
    n: int,
    *,
    seed: int = 1,
    days: int = 90,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """Insert ``n`` sample tickets into the default database; returns how many.

    The organisations, people, teams, categories and tags they need are
    created first if missing. ``progress`` is called with the running total
    after each committed batch.
    """
    return generate_tickets_with_stats(
        n, seed=seed, days=days, progress=progress, now=now
    ).tickets


def generate_tickets_with_stats(
    n: int,
    *,
    seed: int = 1,
    days: int = 90,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    writers: int | None = None,
) -> Stats:
    """:func:`generate_tickets` that also counts the messages and events.

    ``writers`` is how many database connections write batches at once: by
    default two on PostgreSQL outside a transaction (the server then works on
    two batches while the next one is simulated), else one.
    """
    if n < 0:
        raise ValueError("The number of tickets cannot be negative.")
    if days <= 0:
        raise ValueError("The period must be at least one day.")
    world = ensure_world()
    if not world.orgs or not world.teams:
        raise RuntimeError("No organisation or team to generate tickets for.")
    simulator = Simulator(
        world, random.Random(seed), now or timezone.now(), float(days), n
    )
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    batches = ([simulator.ticket() for _ in range(size)] for size in sizes)
    # Other connections cannot see rows of a transaction still open here (a
    # test's, a caller's), and SQLite has one writer at a time anyway.
    parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
    if writers is None:
        writers = 2 if parallel else 1
    if writers > 1 and parallel:
        stats = _write_in_parallel(batches, writers, progress)
    else:
        stats = Stats()
        for plans in batches:
            stats += write_batch(plans)
            if progress is not None:
                progress(stats.tickets)
    analyze()
    from podpora.desk.counts import rebuild as rebuild_queue_counts

    rebuild_queue_counts()
    return stats


def _write_in_parallel(
    batches: Iterator[list[TicketPlan]],
    writers: int,
    progress: Callable[[int], None] | None,
) -> Stats:
    """This thread simulates; ``writers`` threads, each on its own database
    connection, write. Ticket numbers are reserved here, in batch order, so
    they still rise with the tickets' creation times."""
    work: queue.Queue[tuple[list[TicketPlan], Sequence[int]] | None] = queue.Queue(
        maxsize=writers
    )
    lock = threading.Lock()
    stats = Stats()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while (item := work.get()) is not None:
                if failures:
                    continue  # drain, so the simulating thread never blocks
                try:
                    written = write_batch(*item)
                except BaseException as error:
                    failures.append(error)
                    continue
                with lock:
                    stats.__iadd__(written)
                    if progress is not None:
                        progress(stats.tickets)
        finally:
            connections.close_all()  # this thread's connections

    threads = [threading.Thread(target=write, daemon=True) for _ in range(writers)]
    for thread in threads:
        thread.start()
    try:
        for plans in batches:
            if failures:
                break
            work.put((plans, reserve_ticket_numbers(len(plans))))
    finally:
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    return stats
