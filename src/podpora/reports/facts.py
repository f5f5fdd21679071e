"""Turning tickets into report facts, and facts into daily aggregates.

A ticket's *fact* says what it contributes to the figures: one "created" on
the day it was opened, one "responded" with its first-response time on the
day of the first reply, one "resolved" with its resolution time on the day it
was resolved, and so on. Each contribution is added to the daily rows of
every *grain* (everything, per organisation, per team, …, all dimensions).

When a ticket changes, the hook recomputes its fact, subtracts what the old
fact contributed and adds what the new one does, so the aggregates always
equal what :func:`rebuild` computes from scratch.
"""

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from podpora.automation.business_hours import Calendar
from podpora.core import counters
from podpora.reports.business_hours import business_seconds, calendar_of, calendars_of
from podpora.reports.models import (
    COUNTERS,
    HISTOGRAM_BOUNDS,
    HISTOGRAM_BUCKETS,
    REPEAT_WINDOWS,
    DailyTicketStats,
    Grain,
    TicketFact,
)
from podpora.tickets.models import EventKind, Message, Ticket, TicketEvent

# Dimension columns, in key order, and the grain bit of each.
DIMENSIONS: tuple[str, ...] = (
    "organization_id",
    "team_id",
    "agent_id",
    "channel",
    "priority",
    "category_id",
)
DIMENSION_BITS: dict[str, int] = {
    "organization_id": Grain.ORGANIZATION,
    "team_id": Grain.TEAM,
    "agent_id": Grain.AGENT,
    "channel": Grain.CHANNEL,
    "priority": Grain.PRIORITY,
    "category_id": Grain.CATEGORY,
}
STORED_GRAINS: tuple[int, ...] = tuple(int(g) for g in Grain)
_EMPTY_DIMS: dict[str, Any] = {
    "organization_id": 0,
    "team_id": 0,
    "agent_id": 0,
    "channel": "",
    "priority": 0,
    "category_id": 0,
}
MAX_REPEAT_WINDOW = timedelta(days=max(REPEAT_WINDOWS))

Key = tuple[Any, ...]  # (day, grain, *dimension values)


def site_zone() -> str:
    """Report days follow the helpdesk's own time zone, so that one set of
    aggregates serves every viewer. (Business hours follow the calendar of
    each ticket's SLA policy, in that calendar's time zone.)"""
    return str(settings.TIME_ZONE)


def grain_dimensions(grain: int) -> tuple[str, ...]:
    return tuple(d for d in DIMENSIONS if grain & DIMENSION_BITS[d])


def grain_for(dimensions: Iterable[str]) -> int:
    """The smallest stored grain that keeps all of ``dimensions``."""
    wanted = set(dimensions)
    if not wanted:
        return Grain.TOTAL
    if len(wanted) == 1:
        return DIMENSION_BITS[wanted.pop()]
    return Grain.FULL


def bucket_of(seconds: int) -> int:
    return bisect_left(HISTOGRAM_BOUNDS, seconds)


# --- facts -----------------------------------------------------------------------


def build_fact(
    ticket: Ticket,
    *,
    reopen_count: int,
    escalation_count: int,
    repeat_gap_hours: float | None,
    tz_name: str,
    calendar: Calendar | None,
    time_spent: list[list[Any]] | None = None,
    org_repeat_gap_hours: float | None = None,
) -> TicketFact:
    """The fact of ``ticket``; ``calendar`` measures its business hours and
    may be None while the ticket has neither a first response nor a resolution.
    ``time_spent``: see :func:`time_spent_of`."""
    zone = ZoneInfo(tz_name)
    created = ticket.created_at
    local_created = created.astimezone(zone)
    fact = TicketFact(
        ticket_id=ticket.pk,
        organization_id=ticket.organization_id or 0,
        team_id=ticket.team_id or 0,
        agent_id=ticket.assignee_id or 0,
        channel=ticket.channel or "",
        priority=ticket.priority or 0,
        category_id=ticket.category_id or 0,
        requester_id=ticket.requester_id or 0,
        counted=ticket.merged_into_id is None,
        created_at=created,
        created_day=local_created.date(),
        created_hour=local_created.hour,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        reopen_count=reopen_count,
        escalation_count=escalation_count,
        repeat_gap_hours=repeat_gap_hours,
        org_repeat_gap_hours=org_repeat_gap_hours,
        time_spent=time_spent or [],
        computed_at=timezone.now(),
    )
    if ticket.first_response_at is not None:
        responded = max(ticket.first_response_at, created)
        fact.response_day = responded.astimezone(zone).date()
        fact.frt_seconds = int((responded - created).total_seconds())
        fact.frt_business_seconds = business_seconds(
            _required(calendar), created, responded
        )
        fact.frt_bucket = bucket_of(fact.frt_seconds)
        fact.frt_biz_bucket = bucket_of(fact.frt_business_seconds)
    if ticket.resolved_at is not None:
        resolved = max(ticket.resolved_at, created)
        fact.resolved_day = resolved.astimezone(zone).date()
        fact.resolution_seconds = int((resolved - created).total_seconds())
        fact.resolution_business_seconds = business_seconds(
            _required(calendar), created, resolved
        )
        fact.res_bucket = bucket_of(fact.resolution_seconds)
        fact.res_biz_bucket = bucket_of(fact.resolution_business_seconds)
    return fact


def _needs_calendar(ticket: Ticket) -> bool:
    return ticket.first_response_at is not None or ticket.resolved_at is not None


def _required(calendar: Calendar | None) -> Calendar:
    if calendar is None:
        raise ValueError("A ticket answered or resolved needs a business calendar.")
    return calendar


_FACT_FIELDS = [
    f.attname
    for f in TicketFact._meta.concrete_fields
    if f.attname not in {"ticket_id", "computed_at"}
]


def same_fact(a: TicketFact, b: TicketFact) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in _FACT_FIELDS)


def contributions(fact: TicketFact) -> dict[date, Counter[str]]:
    """What ``fact`` adds to the daily rows of its dimensions, per day."""
    out: dict[date, Counter[str]] = defaultdict(Counter)
    if not fact.counted:
        return out
    created = out[fact.created_day]
    created["created"] += 1
    created[f"hour_{fact.created_hour:02d}"] += 1
    if fact.reopen_count:
        created["reopened"] += 1
        created["reopen_events"] += fact.reopen_count
    if fact.escalation_count:
        created["escalated"] += 1
        created["escalation_events"] += fact.escalation_count
    for prefix, gap in (
        ("repeat", fact.repeat_gap_hours),
        ("repeat_org", fact.org_repeat_gap_hours),
    ):
        if gap is not None:
            for window in REPEAT_WINDOWS:
                if gap <= window * 24:
                    created[f"{prefix}_{window}"] += 1
    if fact.response_day is not None:
        responded = out[fact.response_day]
        responded["responded"] += 1
        responded["frt_sum"] += fact.frt_seconds or 0
        responded["frt_biz_sum"] += fact.frt_business_seconds or 0
        responded[f"frt_b{fact.frt_bucket:02d}"] += 1
        responded[f"frt_biz_b{fact.frt_biz_bucket:02d}"] += 1
    if fact.resolved_day is not None:
        resolved = out[fact.resolved_day]
        resolved["resolved"] += 1
        if (fact.resolution_seconds or 0) <= 24 * 3600:
            resolved["resolved_24h"] += 1
        if not fact.escalation_count:
            resolved["resolved_first_line"] += 1
        resolved["res_sum"] += fact.resolution_seconds or 0
        resolved["res_biz_sum"] += fact.resolution_business_seconds or 0
        resolved[f"res_b{fact.res_bucket:02d}"] += 1
        resolved[f"res_biz_b{fact.res_biz_bucket:02d}"] += 1
    return out


def _dims(fact: TicketFact) -> tuple[Any, ...]:
    return tuple(getattr(fact, d) for d in DIMENSIONS)


_AGENT = DIMENSIONS.index("agent_id")


def _time_contributions(
    fact: TicketFact,
) -> Iterator[tuple[date, tuple[Any, ...], Counter[str]]]:
    """The minutes logged on the fact's messages, per day, under the agent
    who logged them (in the place of the assignee)."""
    if not fact.counted:
        return
    dims = _dims(fact)
    for day, author_id, minutes in fact.time_spent:
        author_dims = (*dims[:_AGENT], author_id, *dims[_AGENT + 1 :])
        yield date.fromisoformat(day), author_dims, Counter(time_minutes=minutes)


def _contributions_with_dims(
    fact: TicketFact,
) -> Iterator[tuple[date, tuple[Any, ...], Counter[str]]]:
    dims = _dims(fact)
    for day, values in contributions(fact).items():
        yield day, dims, values
    yield from _time_contributions(fact)


def _add_to_grains(
    changes: dict[Key, Counter[str]],
    contributed: Iterable[tuple[date, tuple[Any, ...], Counter[str]]],
    sign: int,
) -> None:
    for day, dims, values in contributed:
        for grain in STORED_GRAINS:
            kept = grain_dimensions(grain)
            key = (
                day,
                grain,
                *(
                    v if d in kept else _EMPTY_DIMS[d]
                    for d, v in zip(DIMENSIONS, dims, strict=True)
                ),
            )
            for name, value in values.items():
                changes[key][name] += sign * value


def deltas(old: TicketFact | None, new: TicketFact | None) -> dict[Key, Counter[str]]:
    """Per aggregate row, what changes when ``old`` becomes ``new``."""
    changes: dict[Key, Counter[str]] = defaultdict(Counter)
    for fact, sign in ((old, -1), (new, 1)):
        if fact is not None:
            _add_to_grains(changes, _contributions_with_dims(fact), sign)
    return {
        key: Counter({n: v for n, v in values.items() if v})
        for key, values in changes.items()
        if any(values.values())
    }


# --- writing aggregates ------------------------------------------------------------

_KEY_COLUMNS = ("day", "grain", *DIMENSIONS)


def _upsert(changes: dict[Key, Counter[str]]) -> None:
    """Add ``changes`` to the daily rows, creating missing rows.

    Rows are written in key order so that two transactions touching the same
    rows lock them in the same order and cannot deadlock.
    """
    by_columns: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    for key in sorted(changes, key=lambda k: (str(k[0]), *map(str, k[1:]))):
        values = changes[key]
        columns = tuple(sorted(values))
        day = connection.ops.adapt_datefield_value(key[0])
        by_columns[columns].append([day, *key[1:], *(values[c] for c in columns)])
    # One statement per set of columns: a new ticket touches one row per
    # stored grain, a resolution a few more.
    for columns, rows in by_columns.items():
        counters.add(DailyTicketStats, _KEY_COLUMNS, columns, rows)


# --- keeping facts current -----------------------------------------------------------


def _event_counts(ticket_ids: Sequence[int]) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    rows = (
        TicketEvent.objects.filter(
            ticket_id__in=ticket_ids,
            kind__in=[EventKind.REOPENED, EventKind.ESCALATED],
        )
        .values_list("ticket_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for ticket_id, kind, n in rows:
        counts[ticket_id][kind] = n
    return counts


def time_spent_of(
    ticket_ids: Sequence[int], tz_name: str
) -> dict[int, list[list[Any]]]:
    """Minutes logged on the tickets' messages, per ticket as
    ``[[local day, author id or 0, minutes], …]`` sorted: a ticket's time
    counts on the day each message was written, under its author."""
    zone = ZoneInfo(tz_name)
    sums: dict[int, Counter[tuple[str, int]]] = defaultdict(Counter)
    rows = Message.objects.filter(
        ticket_id__in=ticket_ids, time_spent_minutes__gt=0
    ).values_list("ticket_id", "created_at", "author_id", "time_spent_minutes")
    for ticket_id, created_at, author_id, minutes in rows:
        day = created_at.astimezone(zone).date().isoformat()
        sums[ticket_id][(day, author_id or 0)] += minutes
    return {
        ticket_id: [[day, author, n] for (day, author), n in sorted(counts.items())]
        for ticket_id, counts in sums.items()
    }


def repeat_gap_hours(ticket: Ticket, *, asker: str = "requester_id") -> float | None:
    """Hours since the same requester (``asker="organization_id"``: anyone
    of the same organisation) last opened a ticket in the same category,
    within the longest window. Colleagues asking about the same thing are
    not repeats of the requester's own."""
    asked_by = getattr(ticket, asker)
    if ticket.category_id is None or ticket.merged_into_id is not None or not asked_by:
        return None
    previous = (
        Ticket.objects.filter(
            **{asker: asked_by},
            category_id=ticket.category_id,
            merged_into__isnull=True,
            created_at__lte=ticket.created_at,
            created_at__gte=ticket.created_at - MAX_REPEAT_WINDOW,
        )
        .filter(Q(created_at__lt=ticket.created_at) | Q(pk__lt=ticket.pk))
        .exclude(pk=ticket.pk)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if previous is None:
        return None
    return (ticket.created_at - previous).total_seconds() / 3600


def _may_be_repeated(fact: TicketFact) -> bool:
    """Whether later requests can count as repeats of this one."""
    return fact.counted and bool(fact.category_id)


# Events of the changes that can bring or take away a message with minutes
# logged (a ticket's opening message, a split-off customer message, carry none).
TIME_EVENTS = frozenset({EventKind.MESSAGE, EventKind.MOVED_MESSAGE, EventKind.MERGED})


def _time_spent_now(
    ticket: Ticket,
    old: TicketFact | None,
    new_events: Sequence[TicketEvent] | None,
    opened: bool,
    tz_name: str,
) -> list[list[Any]]:
    """The ticket's logged minutes (see :func:`time_spent_of`), read again
    only when the changes being handled may have moved them."""
    unknown = new_events is None or (old is None and not opened)
    if unknown or any(e.kind in TIME_EVENTS for e in new_events or ()):
        return time_spent_of([ticket.pk], tz_name).get(ticket.pk, [])
    return list(old.time_spent) if old is not None else []


def refresh_ticket(
    ticket: Ticket,
    *,
    new_events: Sequence[TicketEvent] | None = None,
    recheck_repeat: bool = False,
    opened: bool = False,
) -> bool:
    """Bring the ticket's fact and the aggregates up to date; True if changed.

    With ``new_events`` (the events of the change being handled) the reopen
    and escalation counts are advanced from the stored fact; without a stored
    fact they are counted from the history. ``opened``: the ticket was created
    in the changes being handled, and ``new_events`` are all its events.
    """
    old = (
        None
        if opened
        else TicketFact.objects.select_for_update().filter(ticket_id=ticket.pk).first()
    )
    if old is not None:
        added = Counter(e.kind for e in new_events or ())
        reopens = old.reopen_count + added[EventKind.REOPENED]
        escalations = old.escalation_count + added[EventKind.ESCALATED]
    else:
        # A ticket opened in this change has its whole history in new_events.
        counts = (
            Counter(e.kind for e in new_events or ())
            if opened
            else _event_counts([ticket.pk])[ticket.pk]
        )
        reopens, escalations = counts[EventKind.REOPENED], counts[EventKind.ESCALATED]
    who_or_what_changed = old is None or (
        old.requester_id != (ticket.requester_id or 0)
        or old.organization_id != (ticket.organization_id or 0)
        or old.category_id != (ticket.category_id or 0)
        or old.created_at != ticket.created_at
        or old.counted != (ticket.merged_into_id is None)
    )
    if who_or_what_changed or recheck_repeat:
        gap = repeat_gap_hours(ticket)
        org_gap = repeat_gap_hours(ticket, asker="organization_id")
    else:
        assert old is not None
        gap, org_gap = old.repeat_gap_hours, old.org_repeat_gap_hours
    tz_name = site_zone()
    new = build_fact(
        ticket,
        reopen_count=reopens,
        escalation_count=escalations,
        repeat_gap_hours=gap,
        org_repeat_gap_hours=org_gap,
        tz_name=tz_name,
        # Read only when needed: outside a round of hooks it costs a query.
        calendar=calendar_of(ticket) if _needs_calendar(ticket) else None,
        time_spent=_time_spent_now(ticket, old, new_events, opened, tz_name),
    )
    if old is not None and same_fact(old, new):
        return False
    _upsert(deltas(old, new))
    new.save(force_insert=old is None, force_update=old is not None)
    if who_or_what_changed:
        # Later requests of the same requester (or organisation) may have
        # become, or stopped
        # being, repeats of this one: also when this one is new but dated
        # earlier than they are (an import, a chat turned into a ticket, a
        # message split off), which is how a rebuild sees them.
        _refresh_followers(
            [f for f in (old, new) if f is not None and _may_be_repeated(f)]
        )
    return True


def _refresh_followers(facts: Sequence[TicketFact]) -> None:
    """Recheck the repeat gaps of the tickets that follow any of ``facts``
    (same requester or organisation and category, within the longest window
    after it)."""
    if not facts:
        return
    later = Q()
    for fact in facts:
        askers = Q(requester_id=fact.requester_id)
        if fact.organization_id:
            askers |= Q(organization_id=fact.organization_id)
        later |= Q(
            Q(created_at__gt=fact.created_at)
            | Q(created_at=fact.created_at, pk__gt=fact.ticket_id),
            askers,
            category_id=fact.category_id,
            created_at__lte=fact.created_at + MAX_REPEAT_WINDOW,
        )
    followers = (
        Ticket.objects.filter(later)
        .exclude(pk__in=[f.ticket_id for f in facts])
        .order_by("created_at", "pk")
    )
    for follower in followers:
        refresh_ticket(follower, new_events=(), recheck_repeat=True)


# --- rebuilding from scratch ------------------------------------------------------------

REBUILD_CHUNK = 5000


def _tickets_in_creation_order() -> Iterator[list[Ticket]]:
    fields = (
        "pk",
        "organization_id",
        "team_id",
        "assignee_id",
        "channel",
        "priority",
        "category_id",
        "requester_id",
        "merged_into_id",
        "created_at",
        "first_response_at",
        "resolved_at",
    )
    last: tuple[datetime, int] | None = None
    while True:
        page = Ticket.objects.only(*fields).order_by("created_at", "pk")
        if last is not None:
            page = page.filter(
                Q(created_at__gt=last[0]) | Q(created_at=last[0], pk__gt=last[1])
            )
        chunk = list(page[:REBUILD_CHUNK])
        if not chunk:
            return
        yield chunk
        last = (chunk[-1].created_at, chunk[-1].pk)


def _insert_facts(facts: Sequence[TicketFact]) -> None:
    """Plain parameterised INSERTs: the rebuild's hot path, where preparing
    values field by field (``bulk_create``) costs more than the database."""
    fields = TicketFact._meta.concrete_fields
    table = connection.ops.quote_name(TicketFact._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    adapt_datetime = connection.ops.adapt_datetimefield_value
    adapt_date = connection.ops.adapt_datefield_value
    adapters = [
        adapt_datetime
        if f.get_internal_type() == "DateTimeField"
        else adapt_date
        if f.get_internal_type() == "DateField"
        else partial(f.get_db_prep_value, connection=connection)
        if f.get_internal_type() == "JSONField"
        else None
        for f in fields
    ]
    rows = []
    for fact in facts:
        row = []
        for field, adapt in zip(fields, adapters, strict=True):
            value = getattr(fact, field.attname)
            row.append(adapt(value) if adapt and value is not None else value)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
            rows,
        )


def _build_facts(progress: Any = None) -> int:
    """Recreate every fact in one pass over the tickets in creation order.

    Repeat gaps come from the last ticket seen per (requester, category)
    and per (organisation, category); entries older than the longest window are
    dropped as the pass moves on, so memory stays bounded.
    """
    tz_name = site_zone()
    last_by_requester: dict[tuple[int, int], datetime] = {}
    last_by_org: dict[tuple[int, int], datetime] = {}
    total = 0
    for chunk in _tickets_in_creation_order():
        counts = _event_counts([t.pk for t in chunk])
        times = time_spent_of([t.pk for t in chunk], tz_name)
        calendars = calendars_of(chunk)
        facts = []
        for ticket in chunk:
            gaps: list[float | None] = [None, None]
            if ticket.category_id is not None and ticket.merged_into_id is None:
                for index, (seen_by, asked_by) in enumerate(
                    (
                        (last_by_requester, ticket.requester_id),
                        (last_by_org, ticket.organization_id),
                    )
                ):
                    if not asked_by:
                        continue
                    key = (asked_by, ticket.category_id)
                    seen = seen_by.get(key)
                    if seen and ticket.created_at - seen <= MAX_REPEAT_WINDOW:
                        gaps[index] = (ticket.created_at - seen).total_seconds() / 3600
                    seen_by[key] = ticket.created_at
            facts.append(
                build_fact(
                    ticket,
                    reopen_count=counts[ticket.pk][EventKind.REOPENED],
                    escalation_count=counts[ticket.pk][EventKind.ESCALATED],
                    repeat_gap_hours=gaps[0],
                    org_repeat_gap_hours=gaps[1],
                    tz_name=tz_name,
                    calendar=calendars[ticket.pk],
                    time_spent=times.get(ticket.pk),
                )
            )
        _insert_facts(facts)
        total += len(facts)
        horizon = chunk[-1].created_at - MAX_REPEAT_WINDOW
        for seen_by in (last_by_requester, last_by_org):
            for key in [k for k, v in seen_by.items() if v < horizon]:
                del seen_by[key]
        if progress:
            progress(total)
    return total


def _aggregate_queries(grain: int) -> Iterator[tuple[str, Any]]:
    """The three GROUP BY queries that give a grain's daily rows: contributions
    on the day of creation, of first response and of resolution."""
    dims = grain_dimensions(grain)
    facts = TicketFact.objects.filter(counted=True).order_by()
    created = {
        "created": Count("pk"),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
        "reopen_events": Sum("reopen_count"),
        "escalated": Count("pk", filter=Q(escalation_count__gt=0)),
        "escalation_events": Sum("escalation_count"),
        **{
            f"repeat_{n}": Count("pk", filter=Q(repeat_gap_hours__lte=n * 24))
            for n in REPEAT_WINDOWS
        },
        **{
            f"repeat_org_{n}": Count("pk", filter=Q(org_repeat_gap_hours__lte=n * 24))
            for n in REPEAT_WINDOWS
        },
        **{f"hour_{h:02d}": Count("pk", filter=Q(created_hour=h)) for h in range(24)},
    }
    responded = {
        "responded": Count("pk"),
        "frt_sum": Sum("frt_seconds"),
        "frt_biz_sum": Sum("frt_business_seconds"),
        **{
            f"{m}_b{i:02d}": Count("pk", filter=Q(**{f"{m}_bucket": i}))
            for m in ("frt", "frt_biz")
            for i in range(HISTOGRAM_BUCKETS)
        },
    }
    resolved = {
        "resolved": Count("pk"),
        "resolved_24h": Count("pk", filter=Q(resolution_seconds__lte=24 * 3600)),
        "resolved_first_line": Count("pk", filter=Q(escalation_count=0)),
        "res_sum": Sum("resolution_seconds"),
        "res_biz_sum": Sum("resolution_business_seconds"),
        **{
            f"{m}_b{i:02d}": Count("pk", filter=Q(**{f"{m}_bucket": i}))
            for m in ("res", "res_biz")
            for i in range(HISTOGRAM_BUCKETS)
        },
    }
    yield "created_day", facts.values("created_day", *dims).annotate(**created)
    yield (
        "response_day",
        facts.filter(response_day__isnull=False)
        .values("response_day", *dims)
        .annotate(**responded),
    )
    yield (
        "resolved_day",
        facts.filter(resolved_day__isnull=False)
        .values("resolved_day", *dims)
        .annotate(**resolved),
    )


def _build_aggregates() -> None:
    """Fill the daily rows straight from the facts, one INSERT … SELECT per
    grain and kind of day, so no row travels through Python."""
    table = connection.ops.quote_name(DailyTicketStats._meta.db_table)
    conflict = ", ".join(_KEY_COLUMNS)
    with connection.cursor() as cursor:
        for grain in STORED_GRAINS:
            dims = grain_dimensions(grain)
            for index, (day_field, rows) in enumerate(_aggregate_queries(grain)):
                counters = list(rows.query.annotations)
                inner, params = rows.query.sql_with_params()
                dimension_values = [
                    f"s.{d}" if d in dims else ("''" if d == "channel" else "0")
                    for d in DIMENSIONS
                ]
                selected = ", ".join(
                    [
                        f"s.{day_field}",
                        str(int(grain)),
                        *dimension_values,
                        *(f"COALESCE(s.{c}, 0)" for c in counters),
                    ]
                )
                columns = ", ".join([*_KEY_COLUMNS, *counters])
                sql = (
                    f"INSERT INTO {table} ({columns}) "  # noqa: S608
                    f"SELECT {selected} FROM ({inner}) s WHERE true"
                )
                if index:
                    # The creation-day rows are in; the other days add to them.
                    updates = ", ".join(
                        f"{c} = {table}.{c} + excluded.{c}" for c in counters
                    )
                    sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
                cursor.execute(sql, params)


def _add_time_spent() -> None:
    """Add the minutes logged on messages to the rebuilt daily rows: what the
    facts' ``time_spent`` lists hold, summed by the database. The
    all-dimensions rows are summed from the messages (per local day of the
    message and the agent who logged it, with the other dimensions of the
    ticket's counted fact); every other grain from those rows."""
    paths = {d: f"ticket__report_fact__{d}" for d in DIMENSIONS}
    paths["agent_id"] = "author_id"
    from_messages = (
        Message.objects.filter(
            time_spent_minutes__gt=0, ticket__report_fact__counted=True
        )
        .order_by()
        .annotate(
            r_day=TruncDate("created_at", tzinfo=ZoneInfo(site_zone())),
            **{f"r_{d}": Coalesce(paths[d], Value(_EMPTY_DIMS[d])) for d in DIMENSIONS},
        )
        .values("r_day", *(f"r_{d}" for d in DIMENSIONS))
        .annotate(r_minutes=Sum("time_spent_minutes"))
    )
    with connection.cursor() as cursor:
        _insert_time(cursor, Grain.FULL, from_messages)
        for grain in STORED_GRAINS:
            if grain == Grain.FULL:
                continue
            dims = grain_dimensions(grain)
            from_full = (
                DailyTicketStats.objects.filter(grain=Grain.FULL, time_minutes__gt=0)
                .order_by()
                .annotate(r_day=F("day"), **{f"r_{d}": F(d) for d in dims})
                .values("r_day", *(f"r_{d}" for d in dims))
                .annotate(r_minutes=Sum("time_minutes"))
            )
            _insert_time(cursor, grain, from_full)


def _insert_time(cursor: Any, grain: int, rows: Any) -> None:
    """Add ``rows`` (``r_day``, ``r_<dimension>`` of the grain's dimensions,
    ``r_minutes``) to the grain's daily rows, in one INSERT … SELECT."""
    table = connection.ops.quote_name(DailyTicketStats._meta.db_table)
    conflict = ", ".join(_KEY_COLUMNS)
    dims = grain_dimensions(grain)
    inner, params = rows.query.sql_with_params()
    dimension_values = [
        f"s.r_{d}" if d in dims else ("''" if d == "channel" else "0")
        for d in DIMENSIONS
    ]
    selected = ", ".join(["s.r_day", str(int(grain)), *dimension_values, "s.r_minutes"])
    cursor.execute(
        f"INSERT INTO {table} ({conflict}, time_minutes) "  # noqa: S608
        f"SELECT {selected} FROM ({inner}) s WHERE true "
        f"ON CONFLICT ({conflict}) DO UPDATE SET "
        f"time_minutes = {table}.time_minutes + excluded.time_minutes",
        params,
    )


def rebuild(progress: Any = None) -> int:
    """Recompute all facts and aggregates from tickets and their history.

    One transaction: readers see the old figures until the new ones are
    complete. On PostgreSQL the fact table is locked first, so a ticket change
    made meanwhile waits and then applies its own delta on top of the rebuilt
    figures instead of being lost.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {TicketFact._meta.db_table} IN EXCLUSIVE MODE"
                )
        DailyTicketStats.objects.all().delete()
        TicketFact.objects.all().delete()
        total = _build_facts(progress)
        _build_aggregates()
        _add_time_spent()
    return total


def counters_equal(a: dict[str, int], b: dict[str, int]) -> bool:
    return all((a.get(c) or 0) == (b.get(c) or 0) for c in COUNTERS)
