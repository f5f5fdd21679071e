"""Pushing events to connected browsers through the channel layer.

Events are sent after the transaction commits, so a browser never hears of a
message that a rollback then takes back; a failed push only costs liveness
(clients catch up from the database when they reconnect).
"""

import asyncio
import logging
import weakref
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from podpora.chat.layers import InMemoryChannelLayer

log = logging.getLogger(__name__)

AGENTS_GROUP = "chat.agents"
# The key of a console event that says which chat scope may hear it (the
# agents' socket checks it and never passes it on).
AUDIENCE = "audience"
DESK_GROUP = "desk.tickets"

# Channel-layer calls in flight at once per web process. The message writer
# answers a whole batch at once and 500 sockets may close together; unbounded,
# they would ask the Redis client's pool (100 connections) for 500 and fail.
MAX_LAYER_CALLS_IN_FLIGHT = 32
_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = (
    weakref.WeakKeyDictionary()
)


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(MAX_LAYER_CALLS_IN_FLIGHT)
    return gate


async def push(layer: Any, group: str, payload: dict[str, Any]) -> None:
    """From an event loop: send an event to everybody in a group."""
    async with _gate():
        await layer.group_send(group, {"type": "push", "payload": payload})


async def join(layer: Any, group: str, channel: str) -> None:
    async with _gate():
        await layer.group_add(group, channel)


async def leave(layer: Any, group: str, channel: str) -> None:
    async with _gate():
        await layer.group_discard(group, channel)


def ticket_group(ticket_pk: int) -> str:
    """The desk pages that have one ticket open (``DeskConsumer``)."""
    return f"desk.ticket.{ticket_pk}"


async def tell_viewers(layer: Any, ticket_pk: int, payload: dict[str, Any]) -> None:
    """From an event loop: a viewer's coming, typing or going, to the other
    pages of the ticket (their consumers answer a newcomer)."""
    async with _gate():
        await layer.group_send(
            ticket_group(ticket_pk), {"type": "presence", "payload": payload}
        )


def send_now(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # the normal case: sync code in a thread without an event loop
    else:
        # Sync code called from inside an event loop cannot wait for the
        # layer; clients catch up from the database when they reconnect.
        log.warning("push to %s skipped: called from an event loop", group)
        return
    message = {"type": "push", "payload": payload}
    try:
        if isinstance(layer, InMemoryChannelLayer) and not layer.has_members(group):
            # Nobody in this process listens (a worker, a mail pipe): only the
            # sibling web processes can, and the relay needs no event loop.
            layer.relay.send(group, message)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # never let a push break the request that caused it
        log.exception("could not push to %s", group)


def send_on_commit(group: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_now(group, payload), robust=True)
