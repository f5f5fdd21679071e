"""Ticket counts per team, assignee and status, kept exact as tickets change.

The sidebar shows how many tickets each queue holds. Counting them per page
view means counting through an agent's access scope (their teams, no team,
theirs or watched: ``tickets.selectors.visible_to``), an OR that no index
answers, so the cost grew with the table. Instead ``QueueCount`` keeps one
row per (team, assignee, status) with its number of tickets: a few hundred
rows, whatever the number of tickets, from which every queue but "Recently
updated" is a sum (``desk.queues.sidebar_counts``).

The rows are derived data:

- the ticket hook (``desk.hooks``) moves a ticket from the row it was
  counted in to its row now, once per round of changes, inside the ticket's
  transaction; its position before the round is the final one with the
  round's history events undone (every status, team and assignee change
  writes one);
- every change is ``tickets = tickets + delta`` in one ``INSERT … ON
  CONFLICT DO UPDATE`` with its rows in key order: concurrent changes add up
  instead of overwriting each other, and two transactions lock the rows they
  share in the same order;
- deleting a ticket, a team or a person (which sets the tickets' team or
  assignee to none) moves the counts with them (``desk.apps``);
- :func:`rebuild` counts everything again (``podpora manage desk_recount``,
  the migration that created the table, bulk-loaded sample data).
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q

from podpora.accounts.models import Team, User
from podpora.core import counters
from podpora.desk.models import QueueCount
from podpora.tickets.hooks import Settled
from podpora.tickets.models import OPEN_STATUSES, Ticket

# (team id, assignee id, status); 0 is "none".
Key = tuple[int, int, str]

_KEY_COLUMNS = ("team_id", "assignee_id", "status")


def key_of(ticket: Ticket) -> Key:
    return (ticket.team_id or 0, ticket.assignee_id or 0, str(ticket.status))


def key_before(settled: Settled) -> Key | None:
    """Where the ticket was counted before this round: ``None`` if the round
    opened it, else its key now with the round's changes undone, newest
    first."""
    if settled.opened:
        return None
    team, assignee, status = key_of(settled.ticket)
    for event in reversed(settled.events):
        if event.field == "status":
            status = event.old_value
        elif event.field == "team":
            team = int(event.old_value or 0)
        elif event.field == "assignee":
            assignee = int(event.old_value or 0)
    return team, assignee, status


def _table() -> str:
    return connection.ops.quote_name(QueueCount._meta.db_table)


def add(deltas: Mapping[Key, int]) -> None:
    """Add ``deltas`` to the counts in one statement, rows in key order."""
    rows = sorted((*key, delta) for key, delta in deltas.items() if delta)
    counters.add(QueueCount, _KEY_COLUMNS, ("tickets",), rows)


def move(before: Key | None, after: Key | None) -> None:
    """One ticket counted under ``after`` instead of ``before`` (``None``:
    not counted, i.e. new or deleted)."""
    if before == after:
        return
    deltas: Counter[Key] = Counter()
    if before is not None:
        deltas[before] -= 1
    if after is not None:
        deltas[after] += 1
    add(deltas)


def reassign(column: str, old_id: int) -> None:
    """The tickets of a deleted team (``team_id``) or person (``assignee_id``)
    now have none: their counts join the rows of "none"."""
    assert column in ("team_id", "assignee_id")
    table = _table()
    columns = ", ".join(_KEY_COLUMNS)
    selected = ", ".join("0" if c == column else c for c in _KEY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, tickets) "  # noqa: S608 -- our own table and columns
            f"SELECT {selected}, tickets FROM {table} WHERE {column} = %s "
            f"ON CONFLICT ({columns}) "
            f"DO UPDATE SET tickets = {table}.tickets + excluded.tickets",
            [old_id],
        )
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [old_id])  # noqa: S608


def counted() -> dict[Key, int]:
    """The counts straight from the tickets (what the rows must equal)."""
    groups = (
        Ticket.objects.values_list(*_KEY_COLUMNS).annotate(n=Count("pk")).order_by()
    )
    return {
        (team or 0, assignee or 0, status): n for team, assignee, status, n in groups
    }


def stored() -> dict[Key, int]:
    """The counts as kept (rows at zero left out)."""
    return {
        (team, assignee, status): n
        for team, assignee, status, n in QueueCount.objects.exclude(
            tickets=0
        ).values_list(*_KEY_COLUMNS, "tickets")
    }


def rebuild() -> int:
    """Count every ticket again; returns how many there are.

    One transaction: readers see the old counts until the new ones are in.
    On PostgreSQL the table is locked first, so that a ticket change made
    meanwhile waits and then adds its delta to the new counts instead of
    being lost (or counted twice).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {_table()} IN EXCLUSIVE MODE")
        QueueCount.objects.all().delete()
        counts = counted()
        QueueCount.objects.bulk_create(
            QueueCount(team_id=team, assignee_id=assignee, status=status, tickets=n)
            for (team, assignee, status), n in sorted(counts.items())
        )
    return sum(counts.values())


@dataclass(slots=True)
class Row:
    """Open tickets of one (team, assignee, status), as a queue sees them."""

    team: int
    assignee: int
    status: str
    tickets: int
    visible: bool


def open_rows(user: User, *, sees_all: bool) -> list[Row]:
    """The counts of open tickets, each marked with whether ``user`` may see
    them (``visible_to``): in a team of theirs, of no team or theirs. Watched
    tickets outside that are counted from the watcher table (an agent watches
    a handful) and added as rows of their own."""
    rows = QueueCount.objects.filter(status__in=OPEN_STATUSES).exclude(tickets=0)
    if sees_all:
        return [
            Row(team, assignee, status, n, True)
            for team, assignee, status, n in rows.values_list(*_KEY_COLUMNS, "tickets")
        ]
    memberships = Team.agents.through.objects.filter(user_id=user.pk)
    found = [
        Row(team, assignee, status, n, mine or not team or assignee == user.pk)
        for team, assignee, status, n, mine in rows.annotate(
            mine=Exists(memberships.filter(team_id=OuterRef("team_id")))
        ).values_list(*_KEY_COLUMNS, "tickets", "mine")
    ]
    watched = (
        Ticket.watchers.through.objects.filter(
            user_id=user.pk, ticket__status__in=OPEN_STATUSES
        )
        .exclude(
            Q(ticket__team__in=memberships.values("team_id"))
            | Q(ticket__team__isnull=True)
            | Q(ticket__assignee_id=user.pk)
        )
        .values_list("ticket__team_id", "ticket__assignee_id", "ticket__status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found += [
        Row(team or 0, assignee or 0, status, n, True)
        for team, assignee, status, n in watched
    ]
    return found
