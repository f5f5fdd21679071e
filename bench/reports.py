"""The monthly report dashboard over many tickets, on PostgreSQL.

    .venv/bin/python bench/reports.py                      # 1,000,000 tickets
    .venv/bin/python bench/reports.py --tickets 100000     # a smaller run

Fills its own database (``podpora_bench_reports`` on 127.0.0.1, created if
missing; reused when it already holds the requested number of tickets),
builds the report aggregates with ``podpora manage reports_rebuild``, then
times the dashboard's figures for the last whole month against a bare
``COUNT(*)`` over the same tickets in the same run. A second, ten times
smaller database (``<name>_small``) is measured by a child process so that the
scaling ratio is also a same-run figure.

Targets: dashboard ≤ 20 × COUNT(*); the ten-times-smaller dashboard no more
than 1.5 × faster.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

PG = "postgres://postgres@127.0.0.1:5432/"


def _createdb(name: str, *, fresh: bool) -> None:
    if fresh:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name],
            check=True,
        )
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True
        )


def _setup(database: str) -> None:
    os.environ["DATABASE_URL"] = PG + database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill_small_world(n: int, seed: int) -> None:
    """A stand-in for the shared sample data generator: tickets with times,
    assignees and the history events the reports read (escalations, reopens),
    spread over the last 90 days and written in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from podpora.accounts.models import Organization, Team, User
    from podpora.tickets.models import Category, EventKind, Status, Ticket, TicketEvent

    rng = random.Random(seed)
    orgs = [
        Organization.objects.get_or_create(name=f"Bench Org {i}")[0] for i in range(40)
    ]
    teams = [
        Team.objects.get_or_create(
            name=f"Bench Team {i}", defaults={"tier": 1 + i % 3}
        )[0]
        for i in range(4)
    ]
    categories = [
        Category.objects.get_or_create(name=f"Bench Category {i}")[0] for i in range(12)
    ]
    agents = [
        User.objects.get_or_create(
            email=f"agent{i}@bench.test",
            defaults={"agent_role": "agent", "full_name": f"Agent {i}"},
        )[0]
        for i in range(30)
    ]
    customers = list(User.objects.filter(email__endswith="@customer.bench.test"))
    for i in range(len(customers), 2000):
        customers.append(User.objects.create(email=f"c{i}@customer.bench.test"))
    now = timezone.now()
    start = now - timedelta(days=90)
    number = (
        Ticket.objects.order_by("-number").values_list("number", flat=True).first()
        or 10000
    )
    done = Ticket.objects.count()
    while done < n:
        batch, plans = [], []
        for _ in range(min(5000, n - done)):
            number += 1
            created = start + timedelta(seconds=rng.random() * 90 * 86400)
            requester = rng.choice(customers)
            ticket = Ticket(
                number=number,
                subject="Bench ticket",
                channel=rng.choice(["email", "email", "portal", "phone", "chat"]),
                priority=rng.choice([1, 2, 2, 2, 3, 4]),
                requester=requester,
                organization=orgs[requester.pk % len(orgs)],
                team=rng.choice(teams),
                assignee=rng.choice(agents) if rng.random() < 0.9 else None,
                category=rng.choice(categories) if rng.random() < 0.8 else None,
                created_at=created,
                updated_at=created,
            )
            responded = created + timedelta(minutes=rng.expovariate(1 / 120))
            if responded < now and rng.random() < 0.95:
                ticket.first_response_at = responded
                resolved = responded + timedelta(minutes=rng.expovariate(1 / 1800))
                if resolved < now and rng.random() < 0.9:
                    ticket.resolved_at = resolved
                    ticket.status = Status.RESOLVED
                else:
                    ticket.status = Status.OPEN
            batch.append(ticket)
            plans.append((rng.random() < 0.06, rng.random() < 0.04))
        with transaction.atomic():
            Ticket.objects.bulk_create(batch, batch_size=2000)
            events = []
            for ticket, (escalated, reopened) in zip(batch, plans, strict=True):
                if escalated:
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            kind=EventKind.ESCALATED,
                            field="tier",
                            created_at=ticket.created_at,
                        )
                    )
                if reopened and ticket.resolved_at:
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            kind=EventKind.REOPENED,
                            field="status",
                            created_at=ticket.resolved_at,
                        )
                    )
            TicketEvent.objects.bulk_create(events, batch_size=2000)
        done += len(batch)
        print(f"  … {done} tickets", file=sys.stderr, flush=True)


def _ensure_tickets(n: int, seed: int) -> str:
    from podpora.tickets.models import Ticket

    have = Ticket.objects.count()
    if have == n:
        return "reused"
    if have > n:
        raise SystemExit(
            f"The database holds {have} tickets, more than {n}: use --fresh."
        )
    try:
        from podpora.core.sample_data import generate_tickets
    except ImportError:
        _fill_small_world(n, seed)
        return "bench filler"
    generate_tickets(
        n - have,
        seed=seed + have,
        progress=lambda done: print(
            f"  … {have + done} tickets", file=sys.stderr, flush=True
        ),
    )
    return "sample_data.generate_tickets"


def _timed(fn, repeat: int) -> float:
    fn()  # warm the caches and the connection
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _last_whole_month() -> tuple[date, date]:
    from django.db.models import Max
    from django.utils import timezone

    from podpora.tickets.models import Ticket

    newest: datetime = Ticket.objects.aggregate(m=Max("created_at"))["m"]
    first_of_newest = timezone.localtime(newest).date().replace(day=1)
    end = first_of_newest - timedelta(days=1)
    return end.replace(day=1), end


def measure(n: int, database: str, *, fresh: bool, seed: int, repeat: int) -> dict:
    _createdb(database, fresh=fresh)
    _setup(database)
    from django.core.management import call_command
    from django.db import connection

    from podpora.reports.metrics import ReportFilter, compute_report
    from podpora.reports.models import TicketFact
    from podpora.tickets.models import Ticket

    source = _ensure_tickets(n, seed)
    started = time.perf_counter()
    call_command("reports_rebuild", stdout=sys.stderr)
    rebuild_seconds = time.perf_counter() - started
    assert TicketFact.objects.count() == n
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    start, end = _last_whole_month()
    month = ReportFilter(start=start, end=end)

    def count() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {Ticket._meta.db_table}")
            cursor.fetchone()

    def dashboard() -> None:
        compute_report(month)

    # The costliest kind of view: two filters at once read the all-dimensions
    # rows, whose number grows with the tickets until every combination exists.
    from django.db.models import Count

    busiest = (
        Ticket.objects.values_list("organization_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    narrowed = ReportFilter(
        start=start,
        end=end,
        organization_id=busiest[0] if busiest else None,
        priority=2,
    )

    def filtered() -> None:
        compute_report(narrowed)

    report = compute_report(month)
    return {
        "tickets": n,
        "source": source,
        "month": f"{start:%Y-%m}",
        "month_created": report.created,
        "median_exact": report.resolution.median_exact,
        "rebuild_seconds": rebuild_seconds,
        "count_seconds": _timed(count, repeat),
        "dashboard_seconds": _timed(dashboard, repeat),
        "filtered_seconds": _timed(filtered, repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--database", default="podpora_bench_reports")
    parser.add_argument(
        "--fresh", action="store_true", help="drop and refill the database"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the ten-times-smaller run"
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    small = None
    if not args.no_scaling and args.tickets >= 10:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--tickets",
                str(args.tickets // 10),
                "--database",
                f"{args.database}_small",
                "--seed",
                str(args.seed),
                "--repeat",
                str(args.repeat),
                "--no-scaling",
                "--json",
                *(["--fresh"] if args.fresh else []),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        small = json.loads(child.stdout.strip().splitlines()[-1])

    result = measure(
        args.tickets,
        args.database,
        fresh=args.fresh,
        seed=args.seed,
        repeat=args.repeat,
    )
    if args.json:
        print(json.dumps(result))
        return
    ratio = result["dashboard_seconds"] / result["count_seconds"]
    rebuild = (
        f", rebuild {result['rebuild_seconds']:.1f} s"
        if result["rebuild_seconds"]
        else ""
    )
    print(
        f"reports: {result['tickets']:,} tickets ({result['source']}{rebuild}), "
        f"month {result['month']} with {result['month_created']:,} created: "
        f"dashboard {result['dashboard_seconds']:.4f} s, "
        f"COUNT(*) {result['count_seconds']:.4f} s, ratio {ratio:.1f}× (target ≤ 20×)"
    )
    print(
        f"reports filtered (organisation + priority): {result['filtered_seconds']:.4f} s, "
        f"ratio {result['filtered_seconds'] / result['count_seconds']:.1f}× to COUNT(*)"
    )
    if small is not None:
        speedup = result["dashboard_seconds"] / small["dashboard_seconds"]
        print(
            f"reports scaling: {small['tickets']:,} tickets dashboard "
            f"{small['dashboard_seconds']:.4f} s vs {result['tickets']:,} tickets "
            f"{result['dashboard_seconds']:.4f} s: the smaller is {speedup:.2f}× faster "
            f"(target ≤ 1.5×)"
        )


if __name__ == "__main__":
    main()
