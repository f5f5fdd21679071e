"""Read queries of the automation app shared by the desk, API and reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from podpora.accounts.models import Tier
from podpora.automation import business_hours, sla
from podpora.automation.models import Rule, TicketSla
from podpora.tickets.models import EventKind, Status, Ticket, TicketEvent


def with_next_breach(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``next_breach_at`` (earliest pending SLA due time, NULL when
    none or paused), so queues can ``order_by(F("next_breach_at").asc(nulls_last=True))``."""
    return queryset.annotate(next_breach_at=F("sla__next_breach_at"))


def by_next_breach(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return with_next_breach(queryset).order_by(
        F("next_breach_at").asc(nulls_last=True), "-created_at"
    )


def sla_state(ticket: Ticket) -> TicketSla | None:
    return (
        TicketSla.objects.select_related("policy__calendar")
        .filter(ticket=ticket)
        .first()
    )


def clock_policy_ids(tickets: Sequence[Ticket]) -> dict[int, int | None]:
    """Ticket id → the SLA policy its clocks run on, in one query for all.

    The policy stored with the ticket's clocks; a ticket that has no clocks
    yet (written past the hooks, before ``rebuild_states``) gets the policy
    they would start with. None: no policy applies.
    """
    stored = dict(
        TicketSla.objects.filter(ticket_id__in=[t.pk for t in tickets]).values_list(
            "ticket_id", "policy_id"
        )
    )
    result: dict[int, int | None] = {}
    for ticket in tickets:
        if ticket.pk in stored:
            result[ticket.pk] = stored[ticket.pk]
        else:
            policy = sla.select_policy(ticket)
            result[ticket.pk] = policy.pk if policy is not None else None
    return result


def clock_policy_id(ticket: Ticket) -> int | None:
    """:func:`clock_policy_ids` of one ticket; inside a round of ticket hooks,
    the clocks as the SLA hook left them, without a query."""
    state = sla.state_in_round(ticket)
    if state is not None:
        return state.policy_id
    return clock_policy_ids([ticket])[ticket.pk]


def business_calendar(policy_id: int | None) -> business_hours.Calendar:
    """The business hours of SLA policy ``policy_id``, for figures measured in
    business time (kept in memory, as the clocks keep them).

    Without a policy the default policy's calendar stands in. A policy without
    a calendar, or no default policy, means round the clock: that is how SLA
    clocks without a calendar run.
    """
    policy = sla.policy_by_id(policy_id) or sla.default_policy()
    return sla.calendar_for(policy)


def rules_in_order() -> QuerySet[Rule]:
    return Rule.objects.order_by("position", "pk")


def first_line_resolution(
    *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """How many resolved tickets 1st line solved without escalating them.

    Counts tickets that started at tier 1 and were resolved (or closed) in
    the period, by whether any escalation event exists in their history.
    """
    tickets = Ticket.objects.filter(
        status__in=[Status.RESOLVED, Status.CLOSED], merged_into__isnull=True
    )
    if since is not None:
        tickets = tickets.filter(resolved_at__gte=since)
    if until is not None:
        tickets = tickets.filter(resolved_at__lt=until)
    escalations = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind=EventKind.ESCALATED
    )
    counts = (
        tickets.annotate(
            was_escalated=Exists(escalations),
            left_first_line=Exists(escalations.filter(old_value=str(Tier.FIRST))),
        )
        .filter(Q(tier=Tier.FIRST, was_escalated=False) | Q(left_first_line=True))
        .aggregate(
            total=Count("pk"),
            escalated=Count("pk", filter=Q(left_first_line=True)),
        )
    )
    total, escalated_count = counts["total"], counts["escalated"]
    return {
        "total": total,
        "solved_by_first_line": total - escalated_count,
        "escalated": escalated_count,
    }
