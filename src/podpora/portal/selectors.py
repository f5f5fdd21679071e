"""Portal reads. Every query starts from ``tickets.selectors.visible_to``."""

from enum import StrEnum

from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.functional import cached_property

from podpora.accounts.models import Membership, MembershipRole, User
from podpora.accounts.services import managed_organization_ids
from podpora.portal.models import FollowLink
from podpora.tickets.models import (
    OPEN_STATUSES,
    PUBLIC_MESSAGE_KINDS,
    Message,
    Status,
    Ticket,
)
from podpora.tickets.selectors import thread_for, visible_to


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows: counting all 50,000 tickets of a large
    client costs more than the page itself, and nobody pages that far; the list
    offers search and filters instead (``capped`` says so)."""

    cap = 1000
    capped = False

    @cached_property
    def count(self) -> int:
        # Unordered: in the list's order, the database would walk the whole
        # "newest update first" index to find the organisation's tickets.
        counted = self.object_list.order_by()[: self.cap + 1].count()  # type: ignore[attr-defined]
        self.capped = counted > self.cap
        return min(counted, self.cap)


class Scope(StrEnum):
    MINE = "mine"  # tickets I asked for or am CC'd on
    ORGANIZATION = "organization"  # every ticket of organisations I manage
    ALL = "all"  # agents in the portal: whatever they may see


class StatusFilter(StrEnum):
    ANY = ""
    ACTIVE = "active"
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


_STATUS_FILTERS: dict[str, Q] = {
    StatusFilter.ACTIVE: Q(status__in=OPEN_STATUSES),
    StatusFilter.NEW: Q(status=Status.NEW),
    # Waiting on a third party is the agents' business: customers see "open".
    StatusFilter.OPEN: Q(status__in=[Status.OPEN, Status.WAITING_THIRD_PARTY]),
    StatusFilter.WAITING: Q(status=Status.WAITING_CUSTOMER),
    StatusFilter.RESOLVED: Q(status=Status.RESOLVED),
    StatusFilter.CLOSED: Q(status=Status.CLOSED),
}


def scopes_for(user: User) -> list[Scope]:
    if user.is_agent:
        return [Scope.ALL]
    if managed_organization_ids(user):
        return [Scope.MINE, Scope.ORGANIZATION]
    return [Scope.MINE]


def tickets_for(
    user: User, *, scope: Scope, status: str = "", query: str = ""
) -> QuerySet[Ticket]:
    tickets = visible_to(user)
    if scope == Scope.MINE:
        # A union of two index lookups: "requester = me OR id IN (my CCs)"
        # would make the database read every ticket to answer.
        mine = (
            Ticket.objects.filter(requester=user)
            .values("pk")
            .union(Ticket.cc.through.objects.filter(user=user).values("ticket_id"))
        )
        tickets = tickets.filter(pk__in=mine)
    elif scope == Scope.ORGANIZATION:
        tickets = tickets.filter(
            organization__in=Membership.objects.filter(
                user=user, role=MembershipRole.MANAGER
            ).values("organization_id")
        )
    if status in _STATUS_FILTERS:
        tickets = tickets.filter(_STATUS_FILTERS[status])
    query = " ".join(query.split())
    if query:
        number = query.lstrip("#")
        condition = Q(subject__icontains=query)
        if number.isdigit():
            condition |= Q(number=int(number))
        tickets = tickets.filter(condition)
    return (
        # Requesters come in a second small query rather than a join: with a
        # search the row estimate can be far off, and a join then gets costly.
        tickets.prefetch_related(
            Prefetch("requester", queryset=User.objects.only("full_name", "email"))
        )
        .only(
            "pk",
            "number",
            "subject",
            "status",
            "updated_at",
            "created_at",
            "requester",
        )
        .order_by("-updated_at", "-pk")
    )


def public_thread(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The public thread even for an agent looking through the portal:
    internal notes and system messages never appear on a portal page."""
    return thread_for(user, ticket).filter(kind__in=PUBLIC_MESSAGE_KINDS)


def public_thread_for_requester(ticket: Ticket) -> QuerySet[Message]:
    return public_thread(ticket.requester, ticket)


def follow_links_of(ticket: Ticket) -> QuerySet[FollowLink]:
    """Every sign-in-free link made for the ticket's recipients, live first."""
    return (
        FollowLink.objects.filter(ticket=ticket)
        .select_related("recipient", "revoked_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "recipient__email", "-pk")
    )
