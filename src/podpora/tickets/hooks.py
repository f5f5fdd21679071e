"""The explicit hand-off from the ticket core to the apps that react to changes.

Every service in ``tickets.services`` ends by calling :func:`dispatch` inside
its transaction. The receivers are listed, in order, in
``settings.PODPORA_TICKET_HOOKS`` (rules first, so that routing is settled
before notifications are queued). A receiver that needs to do slow work
enqueues a task with ``transaction.on_commit``; one that changes the ticket
calls the services again, which dispatch again one level deeper: ``depth``
tells a receiver whether the change came from a person (0) or from a reaction
to another change (1+), which is how rules avoid firing on their own actions.
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


@cache
def _receivers(paths: tuple[str, ...]) -> tuple[Callable[[TicketChange], None], ...]:
    return tuple(import_string(path) for path in paths)


def dispatch(change: TicketChange) -> None:
    receivers = _receivers(tuple(settings.PODPORA_TICKET_HOOKS))
    if not receivers:
        return
    token = _DEPTH.set(change.depth + 1)
    try:
        for receiver in receivers:
            receiver(change)
    finally:
        _DEPTH.reset(token)
