"""Ticket filters shared by the API list, the search page and search API.

Filters on agent-only fields (team, assignee, tags) apply to agents only: a
customer cannot probe how tickets are routed by filtering on them.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet

from podpora.accounts.models import User
from podpora.tickets.models import Ticket


@dataclass
class TicketFilters:
    status: list[str] = field(default_factory=list)
    priority: list[int] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    team: int | None = None
    assignee: str | None = None  # an id, "me" or "none"
    organization: int | None = None
    tag: list[str] = field(default_factory=list)
    created_from: datetime | None = None
    created_to: datetime | None = None

    def is_empty(self) -> bool:
        return not any(
            [
                self.status,
                self.priority,
                self.channel,
                self.team,
                self.assignee,
                self.organization,
                self.tag,
                self.created_from,
                self.created_to,
            ]
        )


def apply_filters(
    tickets: QuerySet[Ticket], user: User, filters: TicketFilters
) -> QuerySet[Ticket]:
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.priority:
        tickets = tickets.filter(priority__in=filters.priority)
    if filters.channel:
        tickets = tickets.filter(channel__in=filters.channel)
    if filters.organization:
        tickets = tickets.filter(organization_id=filters.organization)
    if filters.created_from:
        tickets = tickets.filter(created_at__gte=filters.created_from)
    if filters.created_to:
        tickets = tickets.filter(created_at__lt=filters.created_to)
    if not user.is_agent:
        return tickets
    if filters.team:
        tickets = tickets.filter(team_id=filters.team)
    if filters.assignee == "me":
        tickets = tickets.filter(assignee=user)
    elif filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee and filters.assignee.isdigit():
        tickets = tickets.filter(assignee_id=int(filters.assignee))
    for name in filters.tag:
        tickets = tickets.filter(tags__name=name.strip().lower())
    return tickets
