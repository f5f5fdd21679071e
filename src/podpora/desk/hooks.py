"""Keeps the sidebar's ticket counts (``desk.counts``) exact, inside the
ticket's own transaction."""

from typing import cast

from podpora.desk import counts
from podpora.tickets import hooks
from podpora.tickets.hooks import Settled, TicketChange

_COUNTED = "desk.counted"  # where this ticket is counted now (its scratch)


def _count(settled: Settled) -> None:
    memo = hooks.scratch(settled.ticket)
    # Settled again in the same round (a settled receiver changed the
    # ticket): the round's events are all there again, so start from where
    # the ticket was counted the first time.
    before = (
        cast("counts.Key | None", memo[_COUNTED])
        if _COUNTED in memo
        else counts.key_before(settled)
    )
    after = counts.key_of(settled.ticket)
    memo[_COUNTED] = after
    counts.move(before, after)


def on_ticket_change(change: TicketChange) -> None:
    # Once per ticket when the round of changes ends, from its final state.
    hooks.when_settled(change.ticket, _count)
