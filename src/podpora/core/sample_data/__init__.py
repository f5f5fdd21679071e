"""Realistic helpdesk data, fast: for the demo, for benchmarks, for tests.

``generate_tickets(n)`` fills the default database with ``n`` tickets of
Polish and Czech client companies spread over the last ``days`` days, each
with a believable thread and the history (``TicketEvent``) that the services
would have written for it. It skips the services on purpose: rows are
simulated in memory (``lifecycle``) and written in bulk (``writer``), which is
what makes a million tickets a matter of minutes. Hooks are therefore not
called: apps that keep derived data (search index, SLA clocks) rebuild it
from the tables.
"""

import random
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from podpora.core.sample_data import texts
from podpora.core.sample_data.lifecycle import Simulator, TicketPlan
from podpora.core.sample_data.world import World, ensure_world
from podpora.core.sample_data.writer import Stats, analyze, write_batch

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
) -> Stats:
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
    stats = Stats()
    while stats.tickets < n:
        plans = [simulator.ticket() for _ in range(min(batch_size, n - stats.tickets))]
        stats += write_batch(plans)
        if progress is not None:
            progress(stats.tickets)
    analyze()
    return stats
