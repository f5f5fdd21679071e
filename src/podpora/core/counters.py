"""Counter rows that concurrent transactions add to without losing updates.

Derived counts (the reports' daily figures, the desk's queue counts) are rows
keyed by a few columns with number columns beside them. A change adds to them
with one ``INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n``:
concurrent changes add up instead of overwriting each other, and missing rows
are created. Callers pass the rows in key order, so that two transactions
touching the same rows lock them in the same order and cannot deadlock; the
keys within one call must be distinct, as ``ON CONFLICT`` requires.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def add(
    model: type[Model],
    keys: Sequence[str],
    counters: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Add each row's ``counters`` values to the row with its ``keys`` values
    (each row: the key values, then the counter values), in one statement."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    key_names = ", ".join(keys)
    names = ", ".join((*keys, *counters))
    row = "(" + ", ".join(["%s"] * (len(keys) + len(counters))) + ")"
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) "  # noqa: S608 -- our own table and columns
            f"VALUES {', '.join([row] * len(rows))} "
            f"ON CONFLICT ({key_names}) DO UPDATE SET {updates}",
            [value for values in rows for value in values],
        )
