"""Where custom-field values should live: flatness of a filter and a sort on a
custom field from 10^5 to 10^6 tickets, for two storage designs.

    .venv/bin/python bench/custom_fields.py                      # PostgreSQL and SQLite
    .venv/bin/python bench/custom_fields.py --engines postgres --sizes 100000 1000000

The designs, on a bare ticket table (id, team, updated) so that only the
storage is measured:

- ``json``: the values in one JSON column of the ticket; a field that an
  admin marks filterable or sortable gets an expression index on its key
  followed by the queue's order (created at run time, no migration).
- ``eav``: one row per ticket and field in a value table with typed columns
  (text, number), indexed by (field, value, ticket).

Queries, as a desk queue asks them (scoped to two of eight teams, newest
first, a page of 50): a common choice value (20 % of tickets), a rare one
(0.1 %), and the queue sorted by a number field. Each figure is the median of
``--repeat`` runs; the last column is the slowdown from the smallest size
(target: at most 1.3x for ten times the tickets). PostgreSQL uses a database
of its own (created and dropped), SQLite a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import psycopg

KINDS = 5  # 'kind' field: value k0 for 20 % of tickets
RARE = 1000  # 'code' field: value r0 for 0.1 %

QUERIES = {
    "filter common value": (
        "json",
        "SELECT id FROM t WHERE team IN (1, 2) AND {kind} = 'k0' "
        "ORDER BY updated DESC LIMIT 50",
    ),
    "filter rare value": (
        "json",
        "SELECT id FROM t WHERE team IN (1, 2) AND {code} = 'r0' "
        "ORDER BY updated DESC LIMIT 50",
    ),
    "sort by number": (
        "json",
        "SELECT id FROM t WHERE team IN (1, 2) ORDER BY {cost} DESC, id DESC LIMIT 50",
    ),
}

EAV_QUERIES = {
    "filter common value": (
        "SELECT t.id FROM t WHERE t.team IN (1, 2) AND EXISTS (SELECT 1 FROM v "
        "WHERE v.ticket = t.id AND v.field = 1 AND v.text = 'k0') "
        "ORDER BY t.updated DESC LIMIT 50"
    ),
    "filter rare value": (
        "SELECT t.id FROM t WHERE t.team IN (1, 2) AND EXISTS (SELECT 1 FROM v "
        "WHERE v.ticket = t.id AND v.field = 2 AND v.text = 'r0') "
        "ORDER BY t.updated DESC LIMIT 50"
    ),
    "sort by number": (
        "SELECT t.id FROM v JOIN t ON t.id = v.ticket WHERE v.field = 3 "
        "AND t.team IN (1, 2) ORDER BY v.number DESC, t.id DESC LIMIT 50"
    ),
}


class Engine:
    name = ""
    json_key: dict[str, str] = {}

    def execute(self, sql: str) -> None: ...
    def fetch(self, sql: str) -> list[Any]: ...
    def close(self) -> None: ...


class Postgres(Engine):
    name = "postgres"
    json_key = {
        "kind": "(fields->>'kind')",
        "code": "(fields->>'code')",
        "cost": "((fields->>'cost')::numeric)",
    }

    def __init__(self, url: str) -> None:
        self.database = f"bench_custom_fields_{os.getpid()}"
        self.admin = psycopg.connect(url, autocommit=True)
        self.admin.execute(f"CREATE DATABASE {self.database}")
        base = url.rsplit("/", 1)[0]
        self.connection = psycopg.connect(f"{base}/{self.database}", autocommit=True)

    def execute(self, sql: str) -> None:
        self.connection.execute(sql)

    def fetch(self, sql: str) -> list[Any]:
        return self.connection.execute(sql).fetchall()

    def fill(self, size: int, start: int) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY, team int, "
            "updated timestamptz, fields jsonb)"
        )
        self.execute(
            "CREATE TABLE IF NOT EXISTS v (ticket bigint, field int, text text, "
            "number numeric)"
        )
        self.execute(
            f"INSERT INTO t SELECT i, i % 8, now() - i * interval '1 minute', "
            f"jsonb_build_object('kind', 'k' || (i * 7919) % {KINDS}, "
            f"'code', 'r' || ((i / 8) * 104729) % {RARE}, 'cost', (i * 31) % 5000) "
            f"FROM generate_series({start + 1}::bigint, {size}) i"
        )
        self.execute(
            "INSERT INTO v SELECT id, 1, fields->>'kind', NULL::numeric FROM t "
            f"WHERE id > {start} UNION ALL SELECT id, 2, fields->>'code', NULL::numeric "
            f"FROM t WHERE id > {start} UNION ALL SELECT id, 3, NULL::text, "
            f"(fields->>'cost')::numeric FROM t WHERE id > {start}"
        )
        if not start:
            self.execute("CREATE INDEX ON t (team, updated)")
            self.execute("CREATE INDEX ON t (updated)")
            for key, expression in self.json_key.items():
                order = "id" if key == "cost" else "updated"
                self.execute(f"CREATE INDEX ON t ({expression}, {order})")
            self.execute("CREATE INDEX ON v (field, text, ticket)")
            self.execute("CREATE INDEX ON v (field, number, ticket)")
            self.execute("CREATE INDEX ON v (ticket, field)")
        self.execute("VACUUM ANALYZE t")
        self.execute("VACUUM ANALYZE v")

    def close(self) -> None:
        self.connection.close()
        self.admin.execute(f"DROP DATABASE {self.database}")
        self.admin.close()


class Sqlite(Engine):
    name = "sqlite"
    json_key = {
        "kind": "(fields->>'$.kind')",
        "code": "(fields->>'$.code')",
        "cost": "(fields->>'$.cost')",
    }

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.connection = sqlite3.connect(
            os.path.join(self.folder.name, "bench.sqlite3"), isolation_level=None
        )
        self.execute("PRAGMA journal_mode=WAL")

    def execute(self, sql: str) -> None:
        self.connection.execute(sql)

    def fetch(self, sql: str) -> list[Any]:
        return self.connection.execute(sql).fetchall()

    def fill(self, size: int, start: int) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS t (id integer PRIMARY KEY, team int, "
            "updated text, fields text)"
        )
        self.execute(
            "CREATE TABLE IF NOT EXISTS v (ticket int, field int, text text, "
            "number real)"
        )
        self.execute("BEGIN")
        self.execute(
            "WITH RECURSIVE s(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM s "
            "WHERE i < ?) INSERT INTO t SELECT i, i % 8, "
            "datetime('2027-01-01', '-' || i || ' minutes'), json_object("
            f"'kind', 'k' || ((i * 7919) % {KINDS}), "
            f"'code', 'r' || (((i / 8) * 104729) % {RARE}), 'cost', (i * 31) % 5000) "
            "FROM s".replace("?", "{}").format(start + 1, size)
        )
        self.execute(
            "INSERT INTO v SELECT id, 1, fields->>'$.kind', NULL FROM t "
            f"WHERE id > {start} UNION ALL SELECT id, 2, fields->>'$.code', NULL "
            f"FROM t WHERE id > {start} UNION ALL SELECT id, 3, NULL, "
            f"fields->>'$.cost' FROM t WHERE id > {start}"
        )
        self.execute("COMMIT")
        if not start:
            self.execute("CREATE INDEX t_team ON t (team, updated)")
            self.execute("CREATE INDEX t_updated ON t (updated)")
            for key, expression in self.json_key.items():
                order = "id" if key == "cost" else "updated"
                self.execute(f"CREATE INDEX t_json_{key} ON t ({expression}, {order})")
            self.execute("CREATE INDEX v_text ON v (field, text, ticket)")
            self.execute("CREATE INDEX v_number ON v (field, number, ticket)")
            self.execute("CREATE INDEX v_ticket ON v (ticket, field)")
        self.execute("ANALYZE")

    def close(self) -> None:
        self.connection.close()
        self.folder.cleanup()


def timed(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(engine: Engine, repeat: int) -> dict[tuple[str, str], float]:
    figures = {}
    for name, (_, template) in QUERIES.items():
        sql = template.format(**engine.json_key)
        figures[("json", name)] = timed(lambda sql=sql: engine.fetch(sql), repeat)
    for name, sql in EAV_QUERIES.items():
        figures[("eav", name)] = timed(lambda sql=sql: engine.fetch(sql), repeat)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="postgres,sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    options = parser.parse_args()
    for engine_name in options.engines.split(","):
        engine: Any = (
            Postgres(options.database_url) if engine_name == "postgres" else Sqlite()
        )
        try:
            results: dict[int, dict[tuple[str, str], float]] = {}
            filled = 0
            for size in sorted(options.sizes):
                started = time.perf_counter()
                engine.fill(size, filled)
                filled = size
                print(
                    f"# {engine.name}: {size:,} tickets filled in "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
                results[size] = measure(engine, options.repeat)
            smallest, largest = min(results), max(results)
            print(f"\n{engine.name}: median ms per query, {options.repeat} runs")
            print(
                f"{'design':6} {'query':22} "
                + " ".join(f"{size:>11,}" for size in sorted(results))
                + "  slowdown"
            )
            for key in results[smallest]:
                row = " ".join(
                    f"{results[size][key]:11.2f}" for size in sorted(results)
                )
                ratio = results[largest][key] / results[smallest][key]
                verdict = "ok" if ratio <= 1.3 else "NOT FLAT"
                print(f"{key[0]:6} {key[1]:22} {row}  {ratio:5.2f}x {verdict}")
        finally:
            engine.close()


if __name__ == "__main__":
    main()
