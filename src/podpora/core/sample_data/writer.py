"""Bulk writing of simulated tickets: COPY on PostgreSQL, executemany on SQLite.

Ids are taken before the rows are written so that messages, events and tags
can point at their ticket without a round trip per row: on PostgreSQL from the
tables' own identity sequences (never handed out twice, like ticket numbers),
on SQLite above the highest id in use, read inside the batch's write
transaction, which SQLite lets one connection hold at a time.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction

from podpora.core.sample_data.lifecycle import TicketPlan
from podpora.tickets.models import Message, Ticket, TicketEvent
from podpora.tickets.numbering import reserve_ticket_numbers


@dataclass
class Stats:
    tickets: int = 0
    messages: int = 0
    events: int = 0

    def __iadd__(self, other: "Stats") -> "Stats":
        self.tickets += other.tickets
        self.messages += other.messages
        self.events += other.events
        return self


class _Table:
    """Columns we fill, plus every other column at its (constant) default, so
    a field added to a model later does not break bulk loading."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.name = model._meta.db_table
        given = set(columns)
        extra_columns: list[str] = []
        extra_values: list[Any] = []
        for f in model._meta.concrete_fields:
            if f.column in given or f.primary_key:
                continue
            if not (f.has_default() or f.null or (f.blank and f.empty_strings_allowed)):
                raise ImproperlyConfigured(
                    f"{self.name}.{f.column} has no default; teach the sample "
                    "data generator to fill it."
                )
            extra_columns.append(str(f.column))
            default = f.get_default()
            if isinstance(f, models.JSONField):
                # Sent as text: COPY and SQLite both parse it, and it saves
                # encoding the same empty object once per row.
                extra_values.append(json.dumps(default))
            else:
                extra_values.append(f.get_db_prep_save(default, connection))
        self.columns = [*columns, *extra_columns]
        self.extra = tuple(extra_values)

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in self.columns)
        extra = self.extra
        raw = connection.connection
        if connection.vendor == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {quote(self.name)} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row + extra)
        else:
            marks = ", ".join("?" * len(self.columns))
            raw.executemany(
                f"INSERT INTO {quote(self.name)} ({names}) VALUES ({marks})",  # noqa: S608 -- our own table and column names
                (row + extra for row in rows),
            )


_TICKET_COLUMNS = [
    "id", "number", "subject", "status", "priority", "channel", "requester_id",
    "organization_id", "team_id", "assignee_id", "tier", "category_id", "version",
    "created_at", "updated_at", "first_response_at", "resolved_at",
    "closed_at", "last_customer_activity_at", "last_agent_activity_at",
]  # fmt: skip
_MESSAGE_COLUMNS = [
    "id", "ticket_id", "kind", "author_id", "channel", "body_text", "body_html",
    "created_at", "time_spent_minutes", "is_automatic", "email_message_id",
    "delivery_status",
]  # fmt: skip
_EVENT_COLUMNS = [
    "ticket_id", "kind", "field", "old_value", "new_value", "actor_id", "via",
    "message_id", "data", "created_at",
]  # fmt: skip


def _tables() -> tuple[_Table, _Table, _Table, _Table]:
    through = Ticket.tags.through
    return (
        _Table(Ticket, _TICKET_COLUMNS),
        _Table(Message, _MESSAGE_COLUMNS),
        _Table(TicketEvent, _EVENT_COLUMNS),
        _Table(through, ["ticket_id", "tag_id"]),
    )


def _reserve_ids(model: type[models.Model], n: int) -> Sequence[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                [table, n],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {quoted}), 0), "  # noqa: S608 -- our own table name
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
        return range(last + 1, last + 1 + n)


def write_batch(plans: list[TicketPlan], numbers: Sequence[int] | None = None) -> Stats:
    """Write the tickets, their threads, history and tags in one transaction.

    ``numbers`` are ticket numbers reserved beforehand (one per plan); by
    default they are reserved here."""
    if not plans:
        return Stats()
    postgres = connection.vendor == "postgresql"

    def when(value: datetime | None) -> Any:
        if value is None or postgres:
            return value
        # How Django stores a datetime in SQLite: naive UTC text.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    empty_json = "{}"
    stats = Stats(tickets=len(plans))
    with transaction.atomic():
        connection.ensure_connection()
        if postgres:
            # Sample data can be generated again: not waiting for each
            # batch's WAL flush is worth more than surviving a crash.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        tickets, messages, events, tags = _tables()
        ticket_ids = _reserve_ids(Ticket, len(plans))
        if numbers is None:
            numbers = reserve_ticket_numbers(len(plans))
        message_count = sum(len(p.messages) for p in plans)
        message_ids = iter(_reserve_ids(Message, message_count))
        ticket_rows = []
        message_rows = []
        event_rows = []
        tag_rows: list[tuple[int, int]] = []
        for plan, ticket_id, number in zip(plans, ticket_ids, numbers, strict=True):
            ticket_rows.append(
                (
                    ticket_id, number, plan.subject, plan.status, plan.priority,
                    plan.channel, plan.requester_id, plan.organization_id,
                    plan.team_id, plan.assignee_id, plan.tier, plan.category_id,
                    plan.version, when(plan.created_at),
                    when(plan.updated_at), when(plan.first_response_at),
                    when(plan.resolved_at), when(plan.closed_at),
                    when(plan.last_customer_activity_at),
                    when(plan.last_agent_activity_at),
                )
            )  # fmt: skip
            ids = []
            for m in plan.messages:
                message_id = next(message_ids)
                ids.append(message_id)
                message_rows.append(
                    (
                        message_id, ticket_id, m.kind, m.author_id, m.channel,
                        m.text, m.html, when(m.created_at), m.time_spent,
                        m.is_automatic, m.email_message_id, m.delivery_status,
                    )
                )  # fmt: skip
            for e in plan.events:
                event_rows.append(
                    (
                        ticket_id, e.kind, e.field, e.old, e.new, e.actor_id, e.via,
                        None if e.message is None else ids[e.message],
                        json.dumps(e.data) if e.data else empty_json,
                        when(e.created_at),
                    )
                )  # fmt: skip
            tag_rows.extend((ticket_id, tag_id) for tag_id in plan.tag_ids)
        tickets.write(ticket_rows)
        messages.write(message_rows)
        events.write(event_rows)
        tags.write(tag_rows)
        stats.messages = len(message_rows)
        stats.events = len(event_rows)
    return stats


def analyze() -> None:
    """Refresh the planner's statistics after a big load (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Ticket, Message, TicketEvent, Ticket.tags.through):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
