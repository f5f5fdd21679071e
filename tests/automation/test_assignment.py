"""Auto-assignment per team: round robin or fewest open tickets among agents
who are available and not on leave."""

import pytest

from podpora.accounts.models import AgentRole, Availability, User
from podpora.automation.models import AssignmentMode, Rule, TeamSettings, Trigger
from podpora.tickets import services
from podpora.tickets.models import EventKind, Status, TicketEvent

pytestmark = pytest.mark.django_db


def agent(email, team, **fields):
    fields.setdefault("availability", Availability.AVAILABLE)
    user = User.objects.create_user(email=email, agent_role=AgentRole.AGENT, **fields)
    team.agents.add(user)
    return user


@pytest.fixture
def desk_agents(service_desk):
    return [agent(f"a{i}@podpora.test", service_desk) for i in range(3)]


def test_round_robin_takes_turns(adam, service_desk, desk_agents, open_ticket_for):
    TeamSettings.objects.create(
        team=service_desk, assignment=AssignmentMode.ROUND_ROBIN
    )
    for _ in range(4):
        open_ticket_for(adam, team=service_desk)
    tickets = list(service_desk.tickets.order_by("pk"))
    assert [t.assignee for t in tickets] == [*desk_agents, desk_agents[0]]
    event = TicketEvent.objects.filter(ticket=tickets[0], field="assignee").get()
    assert event.via == "auto-assign"


def test_agents_away_or_on_leave_are_skipped(
    adam, service_desk, desk_agents, open_ticket_for
):
    TeamSettings.objects.create(
        team=service_desk, assignment=AssignmentMode.ROUND_ROBIN
    )
    desk_agents[0].availability = Availability.AWAY
    desk_agents[0].save()
    desk_agents[1].on_leave = True
    desk_agents[1].save()
    for _ in range(2):
        open_ticket_for(adam, team=service_desk)
    assert set(service_desk.tickets.values_list("assignee", flat=True)) == {
        desk_agents[2].pk
    }


def test_nobody_available_leaves_the_ticket_unassigned(
    adam, service_desk, open_ticket_for
):
    TeamSettings.objects.create(team=service_desk, assignment=AssignmentMode.LEAST_OPEN)
    agent("away@podpora.test", service_desk, availability=Availability.AWAY)
    ticket = open_ticket_for(adam, team=service_desk)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_least_open_picks_the_agent_with_fewest_open_tickets(
    adam, service_desk, desk_agents, open_ticket_for
):
    busy, idle, medium = desk_agents
    for owner, count in ((busy, 3), (medium, 1)):
        for _ in range(count):
            services.assign(open_ticket_for(adam), owner, actor=None)
    # A resolved ticket does not count as load.
    done = open_ticket_for(adam)
    services.assign(done, idle, actor=None)
    services.change_status(done, Status.RESOLVED, actor=None)
    TeamSettings.objects.create(team=service_desk, assignment=AssignmentMode.LEAST_OPEN)
    ticket = open_ticket_for(adam, team=service_desk)
    ticket.refresh_from_db()
    assert ticket.assignee == idle


def test_teams_without_the_setting_do_not_assign(
    adam, service_desk, desk_agents, open_ticket_for
):
    ticket = open_ticket_for(adam, team=service_desk)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_ticket_routed_to_a_team_by_a_rule_is_assigned_there(
    adam, service_desk, desk_agents, open_ticket_for
):
    TeamSettings.objects.create(
        team=service_desk, assignment=AssignmentMode.ROUND_ROBIN
    )
    Rule.objects.create(
        name="All to desk",
        trigger=Trigger.CREATED,
        actions=[{"type": "set_team", "value": str(service_desk.pk)}],
    )
    ticket = open_ticket_for(adam)
    ticket.refresh_from_db()
    assert ticket.team == service_desk
    assert ticket.assignee == desk_agents[0]


def test_an_escalated_ticket_is_assigned_in_the_new_team(
    adam, service_desk, infrastructure, tomasz, petra, open_ticket_for
):
    TeamSettings.objects.create(
        team=infrastructure, assignment=AssignmentMode.LEAST_OPEN
    )
    ticket = open_ticket_for(adam, team=service_desk)
    services.assign(ticket, tomasz, actor=tomasz)
    services.escalate(ticket, actor=tomasz, note="Serwer – potrzebny admin.")
    ticket.refresh_from_db()
    assert ticket.team == infrastructure
    assert ticket.assignee == petra
    assert (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).count() == 1
    )


def test_a_new_agent_takes_tickets_of_an_auto_assigning_team_at_once(
    adam, service_desk, open_ticket_for
):
    from podpora.accounts.services import create_agent

    TeamSettings.objects.create(
        team=service_desk, assignment=AssignmentMode.ROUND_ROBIN
    )
    newcomer = create_agent("nowa@podpora.test", full_name="Nowa Agentka")
    service_desk.agents.add(newcomer)
    assert newcomer.availability == Availability.AVAILABLE
    ticket = open_ticket_for(adam, team=service_desk)
    ticket.refresh_from_db()
    assert ticket.assignee == newcomer


def test_teams_assigning_automatically_with_nobody_available_are_found(
    service_desk, infrastructure, tomasz, petra
):
    from podpora.automation.assignment import assigning_to_nobody

    TeamSettings.objects.create(
        team=service_desk, assignment=AssignmentMode.ROUND_ROBIN
    )
    TeamSettings.objects.create(
        team=infrastructure, assignment=AssignmentMode.LEAST_OPEN
    )
    teams = [service_desk.pk, infrastructure.pk]
    assert assigning_to_nobody(teams) == set()
    tomasz.availability = Availability.AWAY
    tomasz.save()
    petra.on_leave = True
    petra.save()
    assert assigning_to_nobody(teams) == {service_desk.pk, infrastructure.pk}
    # A team that does not assign automatically needs nobody.
    TeamSettings.objects.filter(team=infrastructure).update(
        assignment=AssignmentMode.NONE
    )
    assert assigning_to_nobody(teams) == {service_desk.pk}
