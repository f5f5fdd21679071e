"""The explicit hand-off from the ticket core to the apps that react to changes.

Every service in ``tickets.services`` ends by calling :func:`dispatch` inside
its transaction. The receivers are listed, in order, in
``settings.PODPORA_TICKET_HOOKS`` (rules first, so that routing is settled
before notifications are queued). A receiver that needs to do slow work
enqueues a task with ``transaction.on_commit``; one that changes the ticket
calls the services again, which dispatch again one level deeper: ``depth``
tells a receiver whether the change came from a person (0) or from a reaction
to another change (1+), which is how rules avoid firing on their own actions.

A service call and every reaction to it make one *round*. Within a round,
:func:`latest` gives the newest instance of a ticket (a service re-reads the
row under a lock, so the instance a receiver was handed may be older), and
:func:`scratch` keeps what a receiver already read or wrote for a ticket, so
it is not read again. Receivers that only mirror the ticket's final state
(the search index, report figures) register with :func:`when_settled`: they
run once per ticket at the end of the round, with every change of the round,
instead of once per change.
"""

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from podpora.accounts.models import User
    from podpora.tickets.models import Message, Ticket, TicketEvent

_DEPTH: ContextVar[int] = ContextVar("ticket_hook_depth", default=0)
_ROUND: ContextVar["_Round | None"] = ContextVar("ticket_hook_round", default=None)
# Settled receivers must not change tickets; should one do so anyway, the
# round settles again, but only this many times.
_MAX_SETTLES = 3


def current_depth() -> int:
    return _DEPTH.get()


@dataclass(frozen=True)
class TicketChange:
    ticket: "Ticket"
    action: str  # "opened", "updated", "reply", "note", "customer_message", "merged", …
    events: Sequence["TicketEvent"] = ()
    actor: "User | None" = None
    message: "Message | None" = None
    via: str = ""
    depth: int = field(default_factory=current_depth)
    extra: dict[str, object] = field(default_factory=dict)

    def changed(self, field_name: str) -> bool:
        return any(e.field == field_name for e in self.events)


@dataclass
class Settled:
    """What one round did to one ticket: its newest instance, and the actions
    and events of every change, in order."""

    ticket: "Ticket"
    actions: list[str] = field(default_factory=list)
    events: list["TicketEvent"] = field(default_factory=list)

    @property
    def opened(self) -> bool:
        """The ticket was created in this round: nothing about it was stored
        before the round began."""
        return "opened" in self.actions


class _Round:
    def __init__(self) -> None:
        self.tickets: dict[int, Settled] = {}
        self.scratch: dict[int, dict[str, object]] = {}
        self.pending: dict[int, dict[Callable[[Settled], None], None]] = {}

    def record(self, change: TicketChange) -> None:
        settled = self.tickets.get(change.ticket.pk)
        if settled is None:
            settled = self.tickets[change.ticket.pk] = Settled(change.ticket)
        settled.ticket = change.ticket
        settled.actions.append(change.action)
        settled.events.extend(change.events)

    def settle(self) -> None:
        for _ in range(_MAX_SETTLES):
            if not self.pending:
                return
            pending, self.pending = self.pending, {}
            for ticket_id, receivers in pending.items():
                for receiver in receivers:
                    receiver(self.tickets[ticket_id])


def latest(ticket: "Ticket") -> "Ticket":
    """The newest instance of ``ticket`` handed to the hooks in this round."""
    current = _ROUND.get()
    if current is None or ticket.pk not in current.tickets:
        return ticket
    return current.tickets[ticket.pk].ticket


def opened_in_round(ticket: "Ticket") -> bool:
    """``ticket`` was created by the round now running (so nothing about it
    was stored before the round began)."""
    current = _ROUND.get()
    settled = current.tickets.get(ticket.pk) if current is not None else None
    return settled is not None and settled.opened


def scratch(ticket: "Ticket") -> dict[str, object]:
    """A dict for receivers to keep what they know of ``ticket`` until the
    round ends (empty outside a round)."""
    current = _ROUND.get()
    if current is None:
        return {}
    return current.scratch.setdefault(ticket.pk, {})


def when_settled(ticket: "Ticket", receiver: Callable[[Settled], None]) -> None:
    """Call ``receiver`` once for ``ticket`` when the round ends (still inside
    its transaction); at once when no round is running."""
    current = _ROUND.get()
    if current is None:
        receiver(Settled(ticket))
        return
    current.pending.setdefault(ticket.pk, {})[receiver] = None


@cache
def _receivers(paths: tuple[str, ...]) -> tuple[Callable[[TicketChange], None], ...]:
    return tuple(import_string(path) for path in paths)


def dispatch(change: TicketChange) -> "Ticket":
    """Hand ``change`` to the receivers; returns the newest instance of its
    ticket once they are done (a rule acting on it re-reads and changes the
    row, so the instance the caller holds may be out of date)."""
    receivers = _receivers(tuple(settings.PODPORA_TICKET_HOOKS))
    if not receivers:
        return change.ticket
    current = _ROUND.get()
    # The outermost dispatch owns the round: it settles it and ends it.
    round_token = None
    if current is None:
        current = _Round()
        round_token = _ROUND.set(current)
    current.record(change)
    token = _DEPTH.set(change.depth + 1)
    try:
        for receiver in receivers:
            receiver(change)
        if round_token is not None:
            current.settle()
        return current.tickets[change.ticket.pk].ticket
    finally:
        _DEPTH.reset(token)
        if round_token is not None:
            _ROUND.reset(round_token)
