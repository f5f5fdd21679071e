"""The desk's queue views: which tickets each shows, filters, sorting, counts.

Everything starts from ``tickets.selectors.visible_to``. Lists never count
the whole table: a page fetches one row more than it shows to know whether
there is a next page, and the sidebar adds up kept counts (``desk.counts``)
or stops counting at ``COUNT_CAP``.
"""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.automation.selectors import with_next_breach
from podpora.desk import counts
from podpora.desk.forms import agents
from podpora.desk.rows import shown_columns
from podpora.search.filters import TicketFilters, apply_filters, parse
from podpora.tickets.models import OPEN_STATUSES, WAITING_STATUSES, Ticket
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


def _statuses(statuses: Sequence[str]) -> str:
    return "&".join(f"status={s}" for s in statuses)


OPEN = _statuses(OPEN_STATUSES)


@dataclass(frozen=True)
class Queue:
    """A queue is a filter of the one filter language (``search.filters``)."""

    slug: str
    label: Any
    query: str
    default_sort: str = DEFAULT_SORT

    @functools.cached_property
    def filters(self) -> TicketFilters:
        """Parsed once per queue (a form's validation): "me", "mine" and
        "7d" stay words until ``apply_filters`` reads them for a user."""
        return parse(self.query)


QUEUES: dict[str, Queue] = {
    q.slug: q
    for q in (
        Queue("mine", _("My open tickets"), f"assignee=me&{OPEN}"),
        Queue(
            "unassigned", _("Unassigned in my teams"), f"assignee=none&team=mine&{OPEN}"
        ),
        Queue("open", _("All open"), OPEN),
        Queue("waiting", _("Waiting"), _statuses(WAITING_STATUSES)),
        Queue("recent", _("Recently updated"), "updated_from=7d"),
    )
}
DEFAULT_QUEUE = "mine"


def team_queue(team: Team) -> Queue:
    """A team's queue: its open tickets."""
    return Queue(f"team-{team.pk}", team.name, f"team={team.pk}&{OPEN}")


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
            for a in agents().only("pk", "full_name", "email")
        ]

    return cache.get_or_set("desk:agents", load, AGENT_CACHE_SECONDS) or []


def queue_tickets(
    user: User,
    queue: Queue | None,
    *,
    team: Team | None = None,
    team_ids: Sequence[int] = (),
) -> QuerySet[Ticket]:
    """The tickets of ``queue`` (or of ``team``'s queue) that ``user`` sees."""
    if team is not None:
        queue = team_queue(team)
    assert queue is not None
    return apply_filters(visible_to(user), user, queue.filters)


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


def page_rows(
    user: User, *filters: TicketFilters, sort: str, page: int
) -> tuple[list[dict[str, Any]], bool, str]:
    """One page of rows of the tickets ``user`` sees that match every one of
    ``filters``, whether another follows (one row more is read, no COUNT),
    and the sort applied."""
    sort = known_sort(sort)
    tickets = visible_to(user)
    for each in filters:
        tickets = apply_filters(tickets, user, each)
    start, stop = (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1
    rows = list(shown_columns(order(tickets, sort))[start:stop])
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
    user: User,
    teams: list[Team],
    team_ids: list[int],
    views: Sequence[Any] = (),
) -> dict[str, int]:
    """Counts per queue, team and saved view, cached briefly per user.

    Every count but "Recently updated" and the saved views is a sum over the
    kept counts per team, assignee and status (``desk.counts``), which stay
    a few hundred rows however many tickets there are; the others count
    tickets, up to ``COUNT_CAP``. The cache spares even that on most page
    views: the counts are a guide.
    """
    key = f"desk:counts:{user.pk}"
    found: dict[str, int] | None = cache.get(key)
    changed = found is None
    if found is None:
        rows = counts.open_rows(user, sees_all=can(user, Right.SEE_ALL_TICKETS))
        found = {}
        for slug in QUEUES:
            counted = _COUNTED.get(slug)
            if counted is None:
                found[slug] = capped_count(queue_tickets(user, QUEUES[slug]))
            else:
                found[slug] = sum(r.tickets for r in rows if counted(r, user, team_ids))
        for team in teams:
            found[f"team-{team.pk}"] = sum(
                r.tickets for r in rows if r.visible and r.team == team.pk
            )
    for view in views:
        if view.key not in found:
            # A view shared a moment ago is counted at once.
            found[view.key] = capped_count(
                apply_filters(visible_to(user), user, view.filters)
            )
            changed = True
    if changed:
        cache.set(key, found, COUNT_CACHE_SECONDS)
    return found


def forget_counts(user: User) -> None:
    """After the user changed tickets, their own sidebar should show it."""
    cache.delete(f"desk:counts:{user.pk}")
