"""The desk's queue views: which tickets each shows, filters, sorting, counts.

Everything starts from ``tickets.selectors.visible_to``. Lists never count
the whole table: a page fetches one row more than it shows to know whether
there is a next page, and the sidebar adds up kept counts (``desk.counts``)
or stops counting at ``COUNT_CAP``.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.automation.selectors import with_next_breach
from podpora.desk import counts
from podpora.desk.rows import QueueRow
from podpora.desk.rows import fetch as fetch_rows
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


@dataclass(frozen=True)
class Queue:
    slug: str
    label: Any
    filter: Callable[[QuerySet[Ticket], User, list[int]], QuerySet[Ticket]]
    default_sort: str = DEFAULT_SORT


def _mine(qs: QuerySet[Ticket], user: User, team_ids: list[int]) -> QuerySet[Ticket]:
    return qs.filter(assignee=user, status__in=OPEN_STATUSES)


def _unassigned(
    qs: QuerySet[Ticket], user: User, team_ids: list[int]
) -> QuerySet[Ticket]:
    return qs.filter(
        Q(team__in=team_ids) | Q(team__isnull=True),
        assignee__isnull=True,
        status__in=OPEN_STATUSES,
    )


def _open(qs: QuerySet[Ticket], user: User, team_ids: list[int]) -> QuerySet[Ticket]:
    return qs.filter(status__in=OPEN_STATUSES)


def _waiting(qs: QuerySet[Ticket], user: User, team_ids: list[int]) -> QuerySet[Ticket]:
    return qs.filter(status__in=WAITING_STATUSES)


def _recent(qs: QuerySet[Ticket], user: User, team_ids: list[int]) -> QuerySet[Ticket]:
    return qs.filter(updated_at__gte=timezone.now() - dt.timedelta(days=7))


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


def team_ids_of(user: User) -> list[int]:
    return list(user.teams.values_list("pk", flat=True))


def queue_tickets(
    user: User, queue: Queue | None, *, team: Team | None, team_ids: list[int]
) -> QuerySet[Ticket]:
    qs = visible_to(user)
    if team is not None:
        return qs.filter(team=team, status__in=OPEN_STATUSES)
    assert queue is not None
    return queue.filter(qs, user, team_ids)


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


def apply_filters(qs: QuerySet[Ticket], f: Filters) -> QuerySet[Ticket]:
    if f.status:
        qs = qs.filter(status=f.status)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.team:
        qs = qs.filter(team_id=f.team)
    if f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee.isdigit():
        qs = qs.filter(assignee_id=int(f.assignee))
    if f.organization:
        qs = qs.filter(organization_id=f.organization)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.tag:
        # The tag is looked up first: an unknown tag then costs nothing, and
        # a known one becomes a semi-join on the tag's index, not a scan
        # through every ticket in sort order looking for a match.
        tag = Tag.objects.filter(name=f.tag.strip().lower()).only("pk").first()
        if tag is None:
            return qs.none()
        qs = qs.filter(
            pk__in=Ticket.tags.through.objects.filter(tag_id=tag.pk).values("ticket_id")
        )
    tz = timezone.get_current_timezone()
    if f.created_from:
        start = dt.datetime.combine(f.created_from, dt.time.min, tzinfo=tz)
        qs = qs.filter(created_at__gte=start)
    if f.created_to:
        end = dt.datetime.combine(
            f.created_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
        )
        qs = qs.filter(created_at__lt=end)
    return qs


def order(qs: QuerySet[Ticket], sort: str) -> tuple[QuerySet[Ticket], str]:
    """Sort by an allow-listed column; the number breaks ties so pages are stable."""
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"))
    if column is None:
        return order(qs, DEFAULT_SORT)
    # Every row shows its SLA badge from this annotation (no query per row).
    qs = with_next_breach(qs)
    if column == "next_breach_at":
        # Tickets without a running clock go last either way.
        due = (
            F(column).desc(nulls_last=True)
            if descending
            else F(column).asc(nulls_last=True)
        )
        return qs.order_by(due, "number"), sort
    prefix = "-" if descending else ""
    return qs.order_by(f"{prefix}{column}", f"{prefix}number"), sort


def page_of(qs: QuerySet[Ticket], page: int) -> tuple[list[QueueRow], bool]:
    """One page of rows and whether another follows, without COUNT(*)."""
    start = (page - 1) * PAGE_SIZE
    rows = fetch_rows(qs, start, start + PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


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
