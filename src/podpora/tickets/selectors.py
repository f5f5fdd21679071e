"""Read queries shared by the desk, the portal, the API, search and reports.

``visible_to`` is THE access scope: every list, detail, count, search, export
and download starts from it, so there is one place where a leak could happen.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from podpora.accounts.models import Membership, MembershipRole, User
from podpora.accounts.permissions import Right, can
from podpora.tickets.models import PUBLIC_MESSAGE_KINDS, Attachment, Message, Ticket


def visible_to(user: User | None) -> QuerySet[Ticket]:
    """The tickets ``user`` may see.

    - supervisors and admins: all;
    - agents: their teams' tickets, tickets assigned to them or watched by
      them, and tickets not yet routed to any team;
    - customers: their own tickets, tickets they are CC'd on, and all tickets
      of organisations they manage;
    - anyone else: none.
    """
    tickets = Ticket.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return tickets.none()
    if user.is_agent:
        if can(user, Right.SEE_ALL_TICKETS):
            return tickets
        return tickets.filter(
            Q(team__in=user.teams.values("pk"))
            | Q(team__isnull=True)
            | Q(assignee=user)
            | Q(
                pk__in=Ticket.watchers.through.objects.filter(user=user).values(
                    "ticket_id"
                )
            )
        )
    managed = Membership.objects.filter(user=user, role=MembershipRole.MANAGER).values(
        "organization_id"
    )
    return tickets.filter(
        Q(requester=user)
        | Q(pk__in=Ticket.cc.through.objects.filter(user=user).values("ticket_id"))
        | Q(organization__in=managed)
    )


def get_visible_ticket(
    user: User | None,
    number: int,
    *,
    with_watching: bool = False,
) -> Ticket:
    """The ticket by number, or ``Ticket.DoesNotExist`` when the user may not see
    it: callers answer 404 either way, so existence never leaks.
    ``with_watching`` adds ``watched_by_user``, whether ``user`` watches it."""
    tickets = visible_to(user).select_related(
        "requester", "organization", "team", "assignee", "category"
    )
    if with_watching and user is not None:
        tickets = tickets.annotate(
            watched_by_user=Exists(
                Ticket.watchers.through.objects.filter(
                    ticket_id=OuterRef("pk"), user_id=user.pk
                )
            )
        )
    return tickets.get(number=number)


def thread_for(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The messages of a ticket the user may read: customers see only the
    public thread (their messages and public replies)."""
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    if not user.is_agent:
        messages = messages.filter(kind__in=PUBLIC_MESSAGE_KINDS)
    return messages


def attachments_visible_to(user: User | None) -> QuerySet[Attachment]:
    attachments = Attachment.objects.filter(ticket__in=visible_to(user).values("pk"))
    if user is None or not user.is_agent:
        attachments = attachments.filter(
            Q(message__isnull=True) | Q(message__kind__in=PUBLIC_MESSAGE_KINDS)
        )
    return attachments


def time_spent_minutes(ticket: Ticket) -> int:
    from django.db.models import Sum

    return ticket.messages.aggregate(total=Sum("time_spent_minutes"))["total"] or 0
