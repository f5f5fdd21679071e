"""Pushing events to connected browsers through the channel layer.

Events are sent after the transaction commits, so a browser never hears of a
message that a rollback then takes back; a failed push only costs liveness
(clients catch up from the database when they reconnect).
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

AGENTS_GROUP = "chat.agents"
DESK_GROUP = "desk.tickets"


def send_now(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "push", "payload": payload})
    except Exception:  # never let a push break the request that caused it
        log.exception("could not push to %s", group)


def send_on_commit(group: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_now(group, payload))
