"""SLA sweep over many open tickets on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres podpora_bench_sla
    .venv/bin/python bench/sla_sweep.py --tickets 100000 --at-risk 0.01

Fills the database once with ``podpora.core.sample_data.generate_tickets``
(or, with ``--synthetic``, with N bulk-inserted open tickets), builds their
SLA states with ``automation.sla.rebuild_states`` under a default policy with
a Polish 8-16 calendar, then on every run marks a share of the open tickets as
due (half at their warning, half past their due time), and times:

- the baseline: a plain SELECT of the same due rows (with their tickets)
  through the ``next_check_at`` index, and
- the sweep itself, which claims and records every warning and breach.

It prints the query plan of the sweep's read (it must use the due-time index,
so its cost follows the tickets at risk, not all tickets) and one figure line:
tickets evaluated per second and the sweep/SELECT time ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/podpora_bench_sla"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    os.environ.setdefault("PODPORA_SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("PODPORA_LOG_LEVEL", "WARNING")
    os.environ.setdefault(
        "PODPORA_TASK_BACKEND", "django.tasks.backends.immediate.ImmediateBackend"
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(n: int, synthetic: bool) -> None:
    from django.db import connection
    from django.utils import timezone

    from podpora.accounts.models import Organization, Team, User
    from podpora.automation.data import install_defaults
    from podpora.tickets.models import Channel, Status, Ticket

    install_defaults()  # the default policy on an office calendar
    # Sample data keeps most tickets closed (as real desks do); --synthetic
    # adds open ones until there are N open tickets.
    if synthetic:
        have = Ticket.objects.filter(status__in=[Status.NEW, Status.OPEN]).count()
    else:
        have = Ticket.objects.count()
    if have < n:
        if not synthetic:
            from podpora.core.sample_data import generate_tickets

            generate_tickets(n - have)
        else:
            org, _ = Organization.objects.get_or_create(name="Bench Sp. z o.o.")
            requester, _ = User.objects.get_or_create(email="bench@bench.example")
            team, _ = Team.objects.get_or_create(name="Bench desk")
            first = (
                Ticket.objects.order_by("-number")
                .values_list("number", flat=True)
                .first()
                or 10000
            ) + 1
            now = timezone.now()
            rng = random.Random(7)
            batch: list[Ticket] = []
            for i in range(n - have):
                batch.append(
                    Ticket(
                        number=first + i,
                        subject=f"Bench ticket {first + i}",
                        channel=Channel.EMAIL,
                        requester=requester,
                        organization=org,
                        team=team,
                        status=rng.choice([Status.NEW, Status.OPEN]),
                        created_at=now
                        - timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
                    )
                )
                if len(batch) == 10_000:
                    Ticket.objects.bulk_create(batch)
                    batch = []
            Ticket.objects.bulk_create(batch)
    from podpora.automation.sla import rebuild_states

    rebuild_states()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _mark_due(share: float) -> int:
    """Put every ``1/share``-th ticket at risk again: even ones at their
    warning, odd ones past their due time; everything else in the future."""
    from django.db.models import F
    from django.utils import timezone

    from podpora.automation.models import TicketSla
    from podpora.tickets.models import (
        EventKind,
        Message,
        MessageKind,
        Status,
        TicketEvent,
    )

    OPEN_NOT_PAUSED = [Status.NEW, Status.OPEN, Status.WAITING_THIRD_PARTY]

    now = timezone.now()
    step = max(1, round(1 / share))
    at_risk = (
        TicketSla.objects.filter(ticket__status__in=OPEN_NOT_PAUSED)
        .annotate(m=F("id") % step)
        .filter(m=0)
    )
    ids = list(at_risk.values_list("id", flat=True))
    TicketEvent.objects.filter(kind=EventKind.SLA).delete()
    Message.objects.filter(kind=MessageKind.NOTE, ticket__sla__id__in=ids).delete()
    # The resolution clock runs for every open ticket, answered or not.
    common = {
        "resolution_warning_sent": False,
        "resolution_breached": False,
        "first_response_due_at": None,
        "first_response_warn_at": None,
        "next_response_due_at": None,
        "next_response_warn_at": None,
        "paused_since": None,
    }
    warn = [i for i in ids if (i // step) % 2 == 0]
    late = [i for i in ids if (i // step) % 2 == 1]
    TicketSla.objects.filter(id__in=warn).update(
        resolution_warn_at=now - timedelta(minutes=1),
        resolution_due_at=now + timedelta(minutes=20),
        next_check_at=now - timedelta(minutes=1),
        next_breach_at=now + timedelta(minutes=20),
        **common,
    )
    TicketSla.objects.filter(id__in=late).update(
        resolution_warn_at=now - timedelta(minutes=30),
        resolution_due_at=now - timedelta(minutes=1),
        next_check_at=now - timedelta(minutes=1),
        next_breach_at=now - timedelta(minutes=1),
        **common,
    )
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument(
        "--at-risk", type=float, default=0.01, help="share of tickets due"
    )
    parser.add_argument(
        "--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="bulk-insert open tickets instead"
    )
    args = parser.parse_args()
    if not args.url.startswith("postgres"):
        parser.error("the bench runs on PostgreSQL")
    _setup(args.url)

    from django.db import connection
    from django.utils import timezone

    from podpora.automation import sla
    from podpora.automation.models import TicketSla

    _fill(args.tickets, args.synthetic)
    from podpora.tickets.models import OPEN_STATUSES

    total = TicketSla.objects.count()
    open_count = TicketSla.objects.filter(ticket__status__in=OPEN_STATUSES).count()
    due = _mark_due(args.at_risk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE automation_ticketsla")
    now = timezone.now()

    query = (
        sla.due_for_check(now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:10_000]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    print("plan of the sweep's read:")
    for line in plan:
        print("   ", line)
    uses_index = any("sla_next_check" in line for line in plan)

    # Baseline: read the same rows and their tickets through the same index.
    started = time.perf_counter()
    rows = list(sla.due_for_check(now).select_related("ticket"))
    select_seconds = time.perf_counter() - started

    started = time.perf_counter()
    result = sla.sweep(now=now)
    sweep_seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = sla.sweep(now=now)
    idle_ms = (time.perf_counter() - started) * 1000

    # The marked tickets, plus any whose time came naturally since the fill.
    assert len(rows) == result.evaluated >= due, (len(rows), due, result.evaluated)
    due = len(rows)
    assert again.warnings == again.breaches == 0, "a firing happened twice"
    print(
        f"sla_sweep: {total} tickets ({open_count} open), {due} due; "
        f"{result.evaluated / sweep_seconds:,.0f} tickets evaluated/s "
        f"({result.warnings} warnings, {result.breaches} breaches in {sweep_seconds:.2f} s); "
        f"plain indexed SELECT of the same rows {select_seconds * 1000:.1f} ms; "
        f"sweep/SELECT ratio {sweep_seconds / select_seconds:,.0f}x; "
        f"second sweep with nothing left due {idle_ms:.1f} ms; "
        f"due-time index used: {'yes' if uses_index else 'NO'}"
    )


if __name__ == "__main__":
    main()
