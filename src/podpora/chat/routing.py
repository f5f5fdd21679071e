from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.urls import path

from podpora.chat import consumers
from podpora.chat.layers import InMemoryChannelLayer


def websocket_urlpatterns() -> list:
    patterns = [
        path("ws/chat/visitor/<uuid:token>/", consumers.VisitorConsumer.as_asgi()),
        path("ws/chat/agent/", consumers.AgentConsumer.as_asgi()),
        path("ws/desk/", consumers.DeskConsumer.as_asgi()),
    ]
    if settings.PODPORA_CHAT_ECHO_ENDPOINT:
        patterns.append(path("ws/echo/", consumers.EchoConsumer.as_asgi()))
    return patterns


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI lifespan of a web process: while it serves, it also delivers the
    group messages that its sibling processes send (``chat.relay``)."""
    layer = get_channel_layer()
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            if isinstance(layer, InMemoryChannelLayer):
                layer.listen_to_siblings()
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            if isinstance(layer, InMemoryChannelLayer):
                layer.stop_listening()
            await send({"type": "lifespan.shutdown.complete"})
            return
