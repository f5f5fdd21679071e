"""Keeps the search index in step with tickets, inside the same transaction."""

from podpora.search.index import index_ticket
from podpora.tickets import hooks
from podpora.tickets.hooks import Settled, TicketChange


def _index(settled: Settled) -> None:
    index_ticket(settled.ticket, new=settled.opened)


def on_ticket_change(change: TicketChange) -> None:
    # Once per ticket when the round of changes ends, from its final state.
    hooks.when_settled(change.ticket, _index)
