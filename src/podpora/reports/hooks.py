"""The ticket hook that keeps report facts and daily aggregates current.

Listed in ``settings.PODPORA_TICKET_HOOKS``; it runs inside the ticket's own
transaction, so the figures change exactly when the ticket does, once per
ticket at the end of a round of changes (see ``tickets.hooks``).
"""

from podpora.reports.facts import refresh_ticket
from podpora.tickets import hooks
from podpora.tickets.hooks import Settled, TicketChange


def _refresh(settled: Settled) -> None:
    refresh_ticket(settled.ticket, new_events=settled.events, opened=settled.opened)


def on_ticket_change(change: TicketChange) -> None:
    hooks.when_settled(change.ticket, _refresh)
