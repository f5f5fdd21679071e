"""The desk's queue views: which tickets each shows, filters, sorting, counts.

Everything starts from ``tickets.selectors.visible_to``. Lists never count
the whole table: a page fetches one row more than it shows to know whether
there is a next page, and the sidebar adds up kept counts (``desk.counts``)
or stops counting at ``COUNT_CAP``.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.automation.selectors import with_next_breach
from podpora.desk import counts
from podpora.desk.compiled import ORM_ONLY, compiled
from podpora.desk.rows import QueueRow, shown_columns
from podpora.tickets.models import OPEN_STATUSES, WAITING_STATUSES, Tag, Ticket
from podpora.tickets.selectors import visible_to

PAGE_SIZE = 50
COUNT_CAP = 999
COUNT_CACHE_SECONDS = 30

# Columns a person may sort by (URL value → ORDER BY); anything else is ignored.
SORTS: dict[str, str] = {
    "number": "number",
    "subject": "subject",
    "status": "status",
    "priority": "priority",
    "created": "created_at",
    "updated": "updated_at",
    # The earliest pending SLA due time (automation keeps it per ticket).
    "breach": "next_breach_at",
}
DEFAULT_SORT = "-updated"


RECENT = dt.timedelta(days=7)  # "Recently updated"


@dataclass(frozen=True)
class Scope:
    """Whose queue it is: what a queue's filter may use besides the tickets."""

    user: User
    team_ids: Sequence[int]  # the user's active teams
    recent_since: dt.datetime


@dataclass(frozen=True)
class Queue:
    slug: str
    label: Any
    filter: Callable[[QuerySet[Ticket], Scope], QuerySet[Ticket]]
    default_sort: str = DEFAULT_SORT


def _mine(qs: QuerySet[Ticket], scope: Scope) -> QuerySet[Ticket]:
    return qs.filter(assignee=scope.user, status__in=OPEN_STATUSES)


def _unassigned(qs: QuerySet[Ticket], scope: Scope) -> QuerySet[Ticket]:
    return qs.filter(
        Q(team__in=scope.team_ids) | Q(team__isnull=True),
        assignee__isnull=True,
        status__in=OPEN_STATUSES,
    )


def _open(qs: QuerySet[Ticket], scope: Scope) -> QuerySet[Ticket]:
    return qs.filter(status__in=OPEN_STATUSES)


def _waiting(qs: QuerySet[Ticket], scope: Scope) -> QuerySet[Ticket]:
    return qs.filter(status__in=WAITING_STATUSES)


def _recent(qs: QuerySet[Ticket], scope: Scope) -> QuerySet[Ticket]:
    return qs.filter(updated_at__gte=scope.recent_since)


QUEUES: dict[str, Queue] = {
    q.slug: q
    for q in (
        Queue("mine", _("My open tickets"), _mine),
        Queue("unassigned", _("Unassigned in my teams"), _unassigned),
        Queue("open", _("All open"), _open),
        Queue("waiting", _("Waiting"), _waiting),
        Queue("recent", _("Recently updated"), _recent),
    )
}
DEFAULT_QUEUE = "mine"


@dataclass(frozen=True)
class AgentChoice:
    pk: int
    display_name: str


AGENT_CACHE_SECONDS = 60


def agent_choices() -> list[AgentChoice]:
    """Active agents for the filter and bulk selects, cached for a minute:
    every queue page shows them, and they change rarely."""

    def load() -> list[AgentChoice]:
        return [
            AgentChoice(a.pk, a.display_name)
            for a in User.objects.exclude(agent_role="")
            .filter(is_active=True)
            .order_by("full_name", "email")
            .only("pk", "full_name", "email")
        ]

    return cache.get_or_set("desk:agents", load, AGENT_CACHE_SECONDS) or []


def queue_tickets(
    user: User,
    queue: Queue | None,
    *,
    team: Team | None,
    team_ids: Sequence[int],
    recent_since: dt.datetime | None = None,
) -> QuerySet[Ticket]:
    qs = visible_to(user)
    if team is not None:
        return qs.filter(team=team, status__in=OPEN_STATUSES)
    assert queue is not None
    if recent_since is None:
        recent_since = timezone.now() - RECENT
    return queue.filter(qs, Scope(user, team_ids, recent_since))


@dataclass
class Filters:
    status: str = ""
    priority: int | None = None
    team: int | None = None
    assignee: str = ""  # an agent id, "none" or ""
    organization: int | None = None
    channel: str = ""
    tag: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    active: dict[str, str] = field(default_factory=dict)


def filter_values(f: Filters) -> dict[str, Any] | None:
    """What the filters put into the query, by name (``None``: no ticket can
    match). The filter on no assignee is a flag of the query's shape."""
    values: dict[str, Any] = {}
    if f.status:
        values["status"] = f.status
    if f.priority:
        values["priority"] = f.priority
    if f.team:
        values["team_filter"] = f.team
    if f.assignee.isdigit():
        values["assignee"] = int(f.assignee)
    if f.organization:
        values["organization"] = f.organization
    if f.channel:
        values["channel"] = f.channel
    if f.tag:
        # The tag is looked up first: an unknown tag then costs nothing, and
        # a known one becomes a semi-join on the tag's index, not a scan
        # through every ticket in sort order looking for a match.
        tag = Tag.objects.filter(name=f.tag.strip().lower()).only("pk").first()
        if tag is None:
            return None
        values["tag"] = tag.pk
    tz = timezone.get_current_timezone()
    if f.created_from:
        values["created_from"] = dt.datetime.combine(
            f.created_from, dt.time.min, tzinfo=tz
        )
    if f.created_to:
        values["created_to"] = dt.datetime.combine(
            f.created_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
        )
    return values


# Filter values that are one column's value (name → lookup).
_EQUAL_FILTERS = {
    "status": "status",
    "priority": "priority",
    "team_filter": "team_id",
    "assignee": "assignee_id",
    "organization": "organization_id",
    "channel": "channel",
}


def apply_filters(
    qs: QuerySet[Ticket], values: Mapping[str, Any], *, nobody: bool
) -> QuerySet[Ticket]:
    """``qs`` narrowed by the :func:`filter_values`; ``nobody``: unassigned."""
    for name, lookup in _EQUAL_FILTERS.items():
        if name in values:
            qs = qs.filter(**{lookup: values[name]})
    if nobody:
        qs = qs.filter(assignee__isnull=True)
    if "tag" in values:
        qs = qs.filter(
            pk__in=Ticket.tags.through.objects.filter(tag_id=values["tag"]).values(
                "ticket_id"
            )
        )
    if "created_from" in values:
        qs = qs.filter(created_at__gte=values["created_from"])
    if "created_to" in values:
        qs = qs.filter(created_at__lt=values["created_to"])
    return qs


def known_sort(sort: str) -> str:
    """``sort`` if it names an allow-listed column, else the default."""
    return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT


def order(qs: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    """Sort by an allow-listed column; the number breaks ties so pages are stable."""
    sort = known_sort(sort)
    descending = sort.startswith("-")
    column = SORTS[sort.lstrip("-")]
    # Every row shows its SLA badge from this annotation (no query per row).
    qs = with_next_breach(qs)
    if column == "next_breach_at":
        # Tickets without a running clock go last either way.
        due = (
            F(column).desc(nulls_last=True)
            if descending
            else F(column).asc(nulls_last=True)
        )
        return qs.order_by(due, "number")
    prefix = "-" if descending else ""
    return qs.order_by(f"{prefix}{column}", f"{prefix}number")


@dataclass(frozen=True)
class Shape:
    """What makes one queue page's SQL differ from another's; the rest are
    values (``desk.compiled``)."""

    queue: str  # a queue's slug, or "" for a team's queue
    agent_role: str  # whether the user sees every ticket
    sort: str
    nobody: bool  # filtered on "no assignee"


def rows_query(shape: Shape, inputs: Mapping[str, Any]) -> QuerySet[Any]:
    """The rows of a queue page, as the ORM writes them: ``inputs`` hold the
    user's id, their team ids, when "recently" starts, the team (of a team
    queue) and the :func:`filter_values`."""
    # Only the id and the role of the user count (``visible_to``).
    user = User(pk=inputs["user"], agent_role=shape.agent_role, is_active=True)
    team = Team(pk=inputs["team"]) if not shape.queue else None
    qs = queue_tickets(
        user,
        QUEUES[shape.queue] if shape.queue else None,
        team=team,
        team_ids=inputs["team_ids"],
        recent_since=inputs["recent_since"],
    )
    qs = apply_filters(qs, inputs, nobody=shape.nobody)
    return shown_columns(order(qs, shape.sort))


def page_rows(
    user: User,
    queue: Queue | None,
    *,
    team: Team | None,
    team_ids: Sequence[int],
    filters: Filters,
    sort: str,
    page: int,
) -> tuple[list[QueueRow], bool, str]:
    """One page of rows, whether another follows (one row more is read, no
    COUNT), and the sort applied. The SQL is compiled once per shape."""
    sort = known_sort(sort)
    values = filter_values(filters)
    if values is None:
        return [], False, sort
    inputs: dict[str, Any] = {
        "user": user.pk,
        "team_ids": list(team_ids),
        "recent_since": timezone.now() - RECENT,
        **values,
    }
    if team is not None:
        inputs["team"] = team.pk
    shape = Shape(
        queue.slug if queue is not None else "",
        user.agent_role,
        sort,
        filters.assignee == "none",
    )
    build = partial(rows_query, shape)
    query = compiled(shape, build, inputs)
    start, stop = (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1
    found = (
        build(inputs)[start:stop]
        if query is ORM_ONLY
        else query.rows(inputs, start, stop)
    )
    rows = [QueueRow(*row) for row in found]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, sort


def capped_count(qs: QuerySet[Ticket]) -> int:
    """COUNT over at most COUNT_CAP + 1 rows: the sidebar shows "999+" beyond."""
    return qs.order_by().values("pk")[: COUNT_CAP + 1].count()


# Which open tickets of the counts (``desk.counts``) each queue holds: a
# row's team, assignee and status, and whether the user may see them. The
# same selections as the queues' filters, which the tests hold them to.
_COUNTED: dict[str, Callable[[counts.Row, User, list[int]], bool]] = {
    "mine": lambda row, user, team_ids: row.assignee == user.pk,
    "unassigned": lambda row, user, team_ids: (
        row.assignee == 0 and (row.team == 0 or row.team in team_ids)
    ),
    "open": lambda row, user, team_ids: row.visible,
    "waiting": lambda row, user, team_ids: (
        row.visible and row.status in WAITING_STATUSES
    ),
}


def sidebar_counts(
    user: User, teams: list[Team], team_ids: list[int]
) -> dict[str, int]:
    """Counts per queue (and per team), cached briefly per user.

    Every count but "Recently updated" is a sum over the kept counts per
    team, assignee and status (``desk.counts``), which stay a few hundred
    rows however many tickets there are; "Recently updated" counts tickets,
    up to ``COUNT_CAP``, newest first along the update-time index. The cache
    spares even that on most page views: the counts are a guide.
    """
    key = f"desk:counts:{user.pk}"
    found: dict[str, int] | None = cache.get(key)
    if found is None:
        rows = counts.open_rows(user, sees_all=can(user, Right.SEE_ALL_TICKETS))
        found = {}
        for slug in QUEUES:
            counted = _COUNTED.get(slug)
            if counted is None:
                found[slug] = capped_count(
                    queue_tickets(user, QUEUES[slug], team=None, team_ids=team_ids)
                )
            else:
                found[slug] = sum(r.tickets for r in rows if counted(r, user, team_ids))
        for team in teams:
            found[f"team-{team.pk}"] = sum(
                r.tickets for r in rows if r.visible and r.team == team.pk
            )
        cache.set(key, found, COUNT_CACHE_SECONDS)
    return found


def forget_counts(user: User) -> None:
    """After the user changed tickets, their own sidebar should show it."""
    cache.delete(f"desk:counts:{user.pk}")
