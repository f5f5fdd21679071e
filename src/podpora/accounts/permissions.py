"""What each agent role may do. The table is mirrored in docs/permissions.md.

Customers have no rights here: what a customer may see is decided by the
access-scope functions (``tickets.selectors.visible_to``), never by a right.
"""

from enum import StrEnum

from podpora.accounts.models import AgentRole, User


class Right(StrEnum):
    WORK_TICKETS = "work_tickets"  # reply, note, change fields of tickets in scope
    SEE_ALL_TICKETS = "see_all_tickets"  # beyond own teams, own and unassigned
    ASSIGN_OTHERS = "assign_others"  # assign a ticket to another agent
    MERGE_TICKETS = "merge_tickets"
    BULK_EDIT = "bulk_edit"
    VIEW_REPORTS = "view_reports"
    MANAGE_KB = "manage_kb"
    MANAGE_AUTOMATION = "manage_automation"  # rules, SLA policies, calendars
    MANAGE_CLIENTS = "manage_clients"  # client organisations, their people, domains
    MANAGE_PEOPLE = "manage_people"  # agents, teams
    MANAGE_SETTINGS = "manage_settings"  # mailboxes, webhooks, chat widget, API


_AGENT = {Right.WORK_TICKETS, Right.ASSIGN_OTHERS, Right.MERGE_TICKETS, Right.MANAGE_KB}
_SUPERVISOR = _AGENT | {
    Right.SEE_ALL_TICKETS,
    Right.BULK_EDIT,
    Right.VIEW_REPORTS,
    Right.MANAGE_AUTOMATION,
    Right.MANAGE_CLIENTS,
}
_ADMIN = _SUPERVISOR | {Right.MANAGE_PEOPLE, Right.MANAGE_SETTINGS}

RIGHTS: dict[str, frozenset[Right]] = {
    AgentRole.AGENT: frozenset(_AGENT),
    AgentRole.SUPERVISOR: frozenset(_SUPERVISOR),
    AgentRole.ADMIN: frozenset(_ADMIN),
}


def can(user: User | None, right: Right) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return right in RIGHTS.get(user.agent_role, frozenset())
