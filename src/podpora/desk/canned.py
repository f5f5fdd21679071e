"""Placeholders in canned replies, filled in without a template engine.

A canned reply is written by agents, so it is never rendered as a Django
template (that would let it read anything in the context): only the names
below are replaced, with plain text that the page escapes like any other.
"""

import re
from collections.abc import Mapping

from podpora.accounts.models import User
from podpora.tickets.models import Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

PLACEHOLDERS = (
    "requester_name",
    "requester_email",
    "ticket_number",
    "ticket_subject",
    "organisation",
    "agent_name",
)


def placeholder_values(ticket: Ticket | None, agent: User) -> dict[str, str]:
    values = {"agent_name": agent.display_name}
    if ticket is not None:
        values |= {
            "requester_name": ticket.requester.display_name,
            "requester_email": ticket.requester.email,
            "ticket_number": ticket.reference,
            "ticket_subject": ticket.subject,
            "organisation": ticket.organization.name if ticket.organization else "",
        }
    return values


def fill(body: str, values: Mapping[str, str]) -> str:
    """Replace known placeholders; unknown ones stay as written, so a typo shows."""

    def _one(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return PLACEHOLDER.sub(_one, body)
