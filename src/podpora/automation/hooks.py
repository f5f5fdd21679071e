"""The automation app's one ticket hook (``PODPORA_TICKET_HOOKS``).

Order matters: rules route the ticket first, then the team assigns it, then
the SLA clocks are set from the final priority, organisation and category.
"""

from podpora.automation import assignment, rules, sla
from podpora.tickets.hooks import TicketChange


def on_ticket_change(change: TicketChange) -> None:
    rules.on_ticket_change(change)
    assignment.on_ticket_change(change)
    sla.on_ticket_change(change)
