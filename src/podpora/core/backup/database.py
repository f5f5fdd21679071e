"""The database part of a backup, per engine.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a
consistent snapshot while the app keeps writing (WAL lets it), and copies it
back into the live file as one write transaction.

PostgreSQL: ``pg_dump`` in its custom format, run inside an exported snapshot
so that the manifest's counts describe exactly what was dumped; restored with
``pg_restore`` piped into one ``psql`` transaction that first empties the
``public`` schema, so a failed restore changes nothing.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connection, connections, transaction

from podpora.core.backup import BackupError
from podpora.tickets import numbering

# What the manifest counts: (name, model label).
COUNTED = [
    ("tickets", "tickets.Ticket"),
    ("messages", "tickets.Message"),
    ("attachments", "tickets.Attachment"),
    ("users", "accounts.User"),
    ("organizations", "accounts.Organization"),
]


def engine() -> str:
    """``sqlite`` or ``postgresql``."""
    return str(connection.vendor)


def dump_name() -> str:
    return "database.sqlite3" if engine() == "sqlite" else "database.pgdump"


def _facts(cursor: Any) -> dict[str, Any]:
    """Counts, applied migrations and the last ticket number, read through
    ``cursor`` (a DB-API cursor on the live database or on a snapshot)."""
    counts = {}
    for name, label in COUNTED:
        table = connection.ops.quote_name(apps.get_model(label)._meta.db_table)
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 -- our own table
        counts[name] = int(cursor.fetchone()[0])
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    return {"counts": counts, "migrations": migrations}


def dump(target: Path) -> dict[str, Any]:
    """Write a consistent copy of the database to ``target``; returns the
    facts (counts, migrations, last ticket number) of that copy."""
    if engine() == "sqlite":
        return _dump_sqlite(target)
    return _dump_postgresql(target)


def _read_only(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(
        f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30
    )


def _dump_sqlite(target: Path) -> dict[str, Any]:
    try:
        with (
            closing(_read_only(connection.settings_dict["NAME"])) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
            cursor = copy.cursor()
            facts = _facts(cursor)
            cursor.execute(
                "SELECT MAX(m) FROM (SELECT MAX(value) AS m"
                " FROM tickets_ticketnumbercounter"
                " UNION ALL SELECT MAX(number) FROM tickets_ticket)"
            )
            last = cursor.fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"The database could not be read: {error}") from error
    facts["last_issued"] = int(last or numbering.FIRST_NUMBER - 1)
    return facts


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client)."
        )
    return path


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database (no password on a
    command line, where other users could read it)."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, value in {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
    }.items():
        if value:
            env[variable] = str(value)
    options = db.get("OPTIONS", {})
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if options.get(option):
            env[f"PG{option.upper()}"] = str(options[option])
    return env


def _run(command: list[str], **kwargs: Any) -> None:
    result = subprocess.run(  # noqa: S603 -- our own arguments, no shell
        command, env=_pg_environment(), capture_output=True, text=True, **kwargs
    )
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed: {result.stderr.strip() or result.returncode}"
        )


def _dump_postgresql(target: Path) -> dict[str, Any]:
    pg_dump = _tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_dump reads the snapshot this transaction exports, so the counts
        # below describe exactly the dumped rows.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
        facts = _facts(cursor)
    # Read after the dump: the sequence is not transactional, so this is at
    # least the position the dump recorded.
    facts["last_issued"] = numbering.last_issued_number()
    return facts


def has_data() -> bool:
    """Whether the database holds people or tickets (migrations alone, with
    the rows they seed, do not count)."""
    tables = set(connection.introspection.table_names())
    for label in ("tickets.Ticket", "accounts.User"):
        model = apps.get_model(label)
        if model._meta.db_table in tables and model._default_manager.exists():
            return True
    return False


def live_last_issued() -> int | None:
    """The highest ticket number the database has issued, or ``None`` when it
    has none (no tables, or a fresh install)."""
    try:
        last = numbering.last_issued_number()
    except DatabaseError:
        return None
    return last if last >= numbering.FIRST_NUMBER else None


def _close_connections() -> None:
    for conn in connections.all():
        conn.close()
        close_pool = getattr(conn, "close_pool", None)
        if close_pool is not None:
            close_pool()  # pooled connections would keep the old tables' plans


def load(source: Path) -> None:
    """Replace the database's contents with the dump at ``source``."""
    _close_connections()
    if engine() == "sqlite":
        try:
            with (
                closing(_read_only(source)) as dump_db,
                closing(
                    sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
                ) as live,
            ):
                dump_db.backup(live)
        except sqlite3.Error as error:
            raise BackupError(f"The database could not be restored: {error}") from error
    else:
        pg_restore, psql = _tool("pg_restore"), _tool("psql")
        # The dump becomes a script first: a dump that pg_restore cannot read
        # to its end must not leave psql committing the half it got.
        script = source.with_suffix(".sql")
        _run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                f"--file={script}",
                str(source),
            ]
        )
        try:
            # One transaction: the schema is emptied and refilled, or, on any
            # error, left as it was.
            _run(
                [
                    psql,
                    "--no-psqlrc",
                    "--quiet",
                    "--set=ON_ERROR_STOP=1",
                    "--single-transaction",
                    "--command=DROP SCHEMA IF EXISTS public CASCADE",
                    "--command=CREATE SCHEMA public",
                    f"--file={script}",
                ]
            )
        finally:
            script.unlink(missing_ok=True)
    _close_connections()
