"""The ticket hook that keeps report facts and daily aggregates current.

Listed in ``settings.PODPORA_TICKET_HOOKS``; it runs inside the ticket's own
transaction, so the figures change exactly when the ticket does.
"""

from podpora.reports.facts import refresh_ticket
from podpora.tickets.hooks import TicketChange


def on_ticket_change(change: TicketChange) -> None:
    refresh_ticket(change.ticket, new_events=change.events)
