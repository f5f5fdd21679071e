"""Median search time for 20 typical queries as the ticket count grows.

    .venv/bin/python bench/search.py                   # 10,000 then 100,000 tickets
    .venv/bin/python bench/search.py --sizes 100000 1000000

Each size fills the database up to that many tickets with
``podpora.core.sample_data.generate_tickets`` (hooks are skipped there, so the
index is rebuilt with ``podpora search reindex``), then times the queries as
a supervisor (every ticket in scope) and as an organisation's manager. The
baseline is the first (smaller) size in the same run: the last line is the
slowdown ratio (target: 10x the tickets, at most 2x slower).

Uses ``DATABASE_URL`` (PostgreSQL: a database of your own, e.g.
``createdb -h 127.0.0.1 -U postgres podpora_bench_search``); for SQLite point
``PODPORA_DATA_DIR`` at an empty folder.

With ``--database-per-size`` (PostgreSQL) each size gets a database of its own
(``<name>_<size>``, created when missing and kept), so a later run measures
every size again, one after the other, without generating anything:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/podpora_bench_search \
        .venv/bin/python bench/search.py --sizes 100000 1000000 --database-per-size
"""

import argparse
import os
import statistics
import sys
import time

QUERIES = [
    "drukarka",
    "tiskarna",
    "vpn",
    "outlook haslo",
    "heslo",
    "faktura",
    "faktury pdf",
    "zalohovani serveru",
    "kopia zapasowa",
    "monitor miga",
    "teams",
    "wolny internet",
    "pomaly internet",
    "laptopa",
    "notebooku",
    "erp",
    "konto pracownika",
    "kowalska",
    "strojirny",
    "blad 809",
]
REPEATS = 5


def _progress(total: int):
    started = time.monotonic()

    def report(done: int) -> None:
        rate = done / max(time.monotonic() - started, 1e-9)
        sys.stderr.write(f"\r  generated {done:,}/{total:,} ({rate:,.0f}/s)")
        sys.stderr.flush()

    return report


def _median_ms(user, query: str) -> float:
    from podpora.search.services import search

    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        search(user, query)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _use_database(connections, name: str) -> None:
    """Point the default connection at ``name``, creating it if missing."""
    import psycopg
    import psycopg.sql

    connections["default"].close()
    settings = connections["default"].settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            admin.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(
                    psycopg.sql.Identifier(name)
                )
            )
    settings["NAME"] = name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--database-per-size",
        action="store_true",
        help="PostgreSQL: keep each size in its own database <name>_<size>",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    if args.database_per_size:
        # A connection pool stays bound to the database it was made for.
        os.environ["PODPORA_DB_POOL"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from podpora.accounts.models import AgentRole, Membership, MembershipRole, User
    from podpora.core.sample_data import generate_tickets
    from podpora.search.models import SearchDocument
    from podpora.tickets.models import Ticket

    engine = connection.vendor
    base_name = connection.settings_dict["NAME"]
    if args.database_per_size and engine != "postgresql":
        raise SystemExit("--database-per-size needs PostgreSQL")
    medians: dict[int, float] = {}
    for size in sorted(args.sizes):
        if args.database_per_size:
            _use_database(connections, f"{base_name}_{size}")
        call_command("migrate", verbosity=0)
        have = Ticket.objects.count()
        if have > size:
            print(
                f"# skipped {size:,}: the database already holds {have:,} tickets",
                file=sys.stderr,
            )
            continue
        if have < size:
            generate_tickets(size - have, seed=size, progress=_progress(size - have))
            sys.stderr.write("\n")
        if SearchDocument.objects.count() != Ticket.objects.count():
            call_command("search", "reindex", "--batch-size", "2000")
        supervisor, _ = User.objects.get_or_create(
            email="bench-supervisor@podpora.test",
            defaults={"agent_role": AgentRole.SUPERVISOR, "full_name": "Bench"},
        )
        manager_membership = (
            Membership.objects.filter(role=MembershipRole.MANAGER).first()
            or Membership.objects.first()
        )
        manager = manager_membership.user if manager_membership else supervisor
        for query in QUERIES[:2]:  # warm caches
            _median_ms(supervisor, query)
        agent_times = [_median_ms(supervisor, q) for q in QUERIES]
        customer_times = [_median_ms(manager, q) for q in QUERIES]
        medians[size] = statistics.median(agent_times)
        print(
            f"search {engine} {Ticket.objects.count():,} tickets: median "
            f"{medians[size]:.1f} ms (agent), "
            f"{statistics.median(customer_times):.1f} ms (customer), "
            f"slowest query {max(agent_times):.1f} ms",
            flush=True,
        )
    sizes = sorted(medians)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(
            f"search {engine}: {large // small}x the tickets is "
            f"{medians[large] / medians[small]:.2f}x the median time "
            f"({small:,} → {large:,})"
        )


if __name__ == "__main__":
    main()
