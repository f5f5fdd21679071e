"""What the client directory reads. Every list, page and API answer about
organisations starts from :func:`organizations_visible_to`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from podpora.accounts.models import Membership, Organization, OrganizationDomain, User
from podpora.accounts.permissions import Right, can
from podpora.automation.models import TicketSla
from podpora.tickets.models import OPEN_STATUSES, Ticket
from podpora.tickets.selectors import visible_to


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """Agents see every client organisation; a customer only their own."""
    if user.is_agent:
        return Organization.objects.prefetch_related("domains")
    return Organization.objects.filter(memberships__user=user).distinct()


def may_use_directory(user: User) -> bool:
    return can(user, Right.MANAGE_CLIENTS)


def _count(queryset: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("organization_id")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def directory(user: User, query: str = "") -> QuerySet[Organization]:
    """The client list: name or domain search, people and open tickets counted."""
    clients = organizations_visible_to(user)
    query = query.strip()
    if query:
        clients = clients.filter(
            Q(name__icontains=query)
            | Exists(
                OrganizationDomain.objects.filter(
                    organization=OuterRef("pk"), domain__icontains=query.lstrip("@")
                )
            )
        )
    return clients.annotate(
        people=_count(Membership.objects.filter(organization=OuterRef("pk"))),
        open_tickets=_count(
            Ticket.objects.filter(
                organization=OuterRef("pk"),
                status__in=OPEN_STATUSES,
                merged_into__isnull=True,
            )
        ),
    ).order_by("-is_active", "name")


def client(user: User, pk: int) -> Organization | None:
    return organizations_visible_to(user).filter(pk=pk).first()


def people(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-user__is_active", "role", "user__full_name", "user__email")
    )


@dataclass(frozen=True)
class Month:
    start: datetime
    opened: int
    resolved: int
    breached: int


def this_month(organization: Organization) -> Month:
    """Tickets opened and resolved since the first of the month (the site's
    time zone), and how many of those opened broke an SLA target."""
    now = timezone.localtime()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    tickets = Ticket.objects.filter(organization=organization, merged_into__isnull=True)
    figures = tickets.aggregate(
        opened=Count("pk", filter=Q(created_at__gte=start)),
        resolved=Count("pk", filter=Q(resolved_at__gte=start)),
    )
    breached = TicketSla.objects.filter(
        Q(first_response_breached=True)
        | Q(next_response_breached=True)
        | Q(resolution_breached=True),
        ticket__organization=organization,
        ticket__created_at__gte=start,
    ).count()
    return Month(start=start, breached=breached, **figures)


def open_tickets(
    user: User, organization: Organization, limit: int = 25
) -> list[Ticket]:
    """The organisation's open tickets that ``user`` may see, newest first."""
    return list(
        visible_to(user)
        .filter(organization=organization, status__in=OPEN_STATUSES)
        .select_related("requester", "assignee", "team")
        .order_by("-updated_at")[:limit]
    )
