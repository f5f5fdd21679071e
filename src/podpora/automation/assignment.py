"""Auto-assignment: a team hands a new (or newly routed) unassigned ticket to
one of its agents who is available and not on leave, by round robin or by
the fewest open tickets."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from podpora.accounts.models import Availability, Team, User
from podpora.automation.models import AssignmentMode, TeamSettings
from podpora.tickets import hooks
from podpora.tickets.hooks import TicketChange
from podpora.tickets.models import OPEN_STATUSES, Ticket

VIA = "auto-assign"


def available_agents(team_ids: Iterable[int]) -> QuerySet[User]:
    """The agents of these teams who can be given a ticket now: active,
    available and not on leave."""
    return User.objects.filter(
        teams__in=list(team_ids),
        is_active=True,
        availability=Availability.AVAILABLE,
        on_leave=False,
    ).exclude(agent_role="")


def candidates(team_id: int) -> list[User]:
    return list(available_agents([team_id]).order_by("pk"))


def assigning_to_nobody(team_ids: Iterable[int]) -> set[int]:
    """Those of ``team_ids`` that assign automatically but have no agent
    available: their new tickets stay unassigned."""
    automatic = set(
        TeamSettings.objects.filter(team_id__in=list(team_ids))
        .exclude(assignment=AssignmentMode.NONE)
        .values_list("team_id", flat=True)
    )
    if not automatic:
        return set()
    staffed = set(
        available_agents(automatic).values_list("teams", flat=True).distinct()
    )
    return automatic - staffed


def nobody_available_warning(team: Team) -> str | None:
    """The warning to show where the team is edited, or None if all is well."""
    if team.pk not in assigning_to_nobody([team.pk]):
        return None
    return _(
        "%(team)s assigns new tickets automatically, but none of its agents is "
        "available (away, on leave or deactivated): its tickets stay "
        "unassigned until someone is available."
    ) % {"team": team.name}


def choose_agent(settings: TeamSettings) -> User | None:
    agents = candidates(settings.team_id)
    if not agents:
        return None
    if settings.assignment == AssignmentMode.ROUND_ROBIN:
        last = settings.last_assigned_id or 0
        return next((a for a in agents if a.pk > last), agents[0])
    loads = dict(
        User.objects.filter(pk__in=[a.pk for a in agents])
        .annotate(
            open_count=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__status__in=OPEN_STATUSES),
            )
        )
        .values_list("pk", "open_count")
    )
    # Ties go to whoever was not assigned last, then to the lowest id.
    return min(
        agents,
        key=lambda a: (loads.get(a.pk, 0), a.pk == settings.last_assigned_id, a.pk),
    )


def auto_assign(ticket: Ticket) -> User | None:
    """Assign ``ticket`` if its team assigns automatically; returns the agent."""
    from podpora.tickets import services

    if ticket.assignee_id or ticket.team_id is None or not ticket.is_open:
        return None
    # The row lock serialises concurrent assignments in one team, so round
    # robin does not give two simultaneous tickets to the same agent.
    settings = (
        TeamSettings.objects.select_for_update().filter(team_id=ticket.team_id).first()
    )
    if settings is None or not settings.assignment:
        return None
    agent = choose_agent(settings)
    if agent is None:
        return None
    services.assign(ticket, agent, actor=None, via=VIA)
    settings.last_assigned = agent
    settings.save(update_fields=["last_assigned"])
    return agent


def on_ticket_change(change: TicketChange) -> None:
    if change.action == "opened" or (
        change.action in {"updated", "escalated"} and change.changed("team")
    ):
        ticket = hooks.latest(change.ticket)
        tried = hooks.scratch(ticket)
        # Opening and routing in one round ask twice for the same team.
        if tried.get("auto_assign_team") != ticket.team_id:
            tried["auto_assign_team"] = ticket.team_id
            auto_assign(ticket)
