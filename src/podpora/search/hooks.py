"""Keeps the search index in step with tickets, inside the same transaction."""

from podpora.search.index import index_ticket
from podpora.tickets.hooks import TicketChange


def on_ticket_change(change: TicketChange) -> None:
    index_ticket(change.ticket)
