"""Race-free allocation of human-friendly ticket numbers (docs/adr/0002).

PostgreSQL: a sequence. ``nextval`` never blocks and never hands out a number
twice, even to concurrent transactions; a rolled-back transaction leaves a gap,
which is harmless for a ticket number.

SQLite: one counter row bumped with ``UPDATE … RETURNING``. SQLite has a single
writer at a time (our connections open transactions with BEGIN IMMEDIATE), so
the increment and the read are one atomic step.
"""

from collections.abc import Sequence

from django.db import connection

FIRST_NUMBER = 10001
SEQUENCE_NAME = "tickets_ticket_number_seq"
COUNTER_NAME = "ticket"
_LAST_IN_SEQUENCE = (
    "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "  # noqa: S608
    f"FROM {SEQUENCE_NAME}"
)


def next_ticket_number() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [SEQUENCE_NAME])
            return int(cursor.fetchone()[0])
        for _attempt in range(2):
            cursor.execute(
                "UPDATE tickets_ticketnumbercounter SET value = value + 1 "
                "WHERE name = %s RETURNING value",
                [COUNTER_NAME],
            )
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            # The row is gone (a restored or flushed database): recreate it
            # ("WHERE true" lets SQLite parse an upsert from a SELECT)
            # above the highest number in use, then take the next one.
            cursor.execute(
                "INSERT INTO tickets_ticketnumbercounter (name, value) "
                "SELECT %s, COALESCE(MAX(number), %s) FROM tickets_ticket WHERE true "
                "ON CONFLICT (name) DO NOTHING",
                [COUNTER_NAME, FIRST_NUMBER - 1],
            )
    raise RuntimeError("Could not allocate a ticket number.")


def reserve_ticket_numbers(n: int) -> Sequence[int]:
    """``n`` fresh ticket numbers in one round trip, for bulk loads.

    On SQLite they are one contiguous ``range``; on PostgreSQL other sessions
    may take numbers in between, so it is the ascending list ``nextval`` gave.
    Either way no number is handed out twice.
    """
    if n <= 0:
        return range(0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE_NAME, n]
            )
            return sorted(int(row[0]) for row in cursor.fetchall())
        for _attempt in range(2):
            cursor.execute(
                "UPDATE tickets_ticketnumbercounter SET value = value + %s "
                "WHERE name = %s RETURNING value",
                [n, COUNTER_NAME],
            )
            row = cursor.fetchone()
            if row is not None:
                last = int(row[0])
                return range(last - n + 1, last + 1)
            cursor.execute(
                "INSERT INTO tickets_ticketnumbercounter (name, value) "
                "SELECT %s, COALESCE(MAX(number), %s) FROM tickets_ticket WHERE true "
                "ON CONFLICT (name) DO NOTHING",
                [COUNTER_NAME, FIRST_NUMBER - 1],
            )
    raise RuntimeError("Could not allocate ticket numbers.")


def create_number_source(schema_editor: object, first: int = FIRST_NUMBER) -> None:
    """Used by the migration that introduces numbering."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE_NAME} START {first}"
            )
        else:
            cursor.execute(
                "INSERT INTO tickets_ticketnumbercounter (name, value) VALUES (%s, %s) "
                "ON CONFLICT (name) DO NOTHING",
                [COUNTER_NAME, first - 1],
            )


def drop_number_source(schema_editor: object) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE_NAME}")


def last_issued_number() -> int:
    """The highest number handed out so far (``FIRST_NUMBER - 1`` if none):
    the number source's position or the highest ticket, whichever is higher.
    Raises ``DatabaseError`` when the tables are not there (an empty database).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_LAST_IN_SEQUENCE)
        else:
            cursor.execute(
                "SELECT COALESCE(MAX(value), %s) FROM tickets_ticketnumbercounter "
                "WHERE name = %s",
                [FIRST_NUMBER - 1, COUNTER_NAME],
            )
        source = int(cursor.fetchone()[0])
        cursor.execute("SELECT COALESCE(MAX(number), %s) FROM tickets_ticket", [0])
        return max(source, int(cursor.fetchone()[0]))


def set_next_number(number: int) -> None:
    """Make ``number`` the next one handed out (a restore moves the source
    past numbers issued after its backup, docs/adr/0006). Never moves it back."""
    last = max(number - 1, last_issued_number())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(%s, %s, true)", [SEQUENCE_NAME, last])
        else:
            cursor.execute(
                "INSERT INTO tickets_ticketnumbercounter (name, value) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [COUNTER_NAME, last],
            )
