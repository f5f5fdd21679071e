from django.conf import settings
from django.urls import path

from podpora.chat import consumers


def websocket_urlpatterns() -> list:
    patterns = [
        path("ws/chat/visitor/<uuid:token>/", consumers.VisitorConsumer.as_asgi()),
        path("ws/chat/agent/", consumers.AgentConsumer.as_asgi()),
        path("ws/desk/", consumers.DeskConsumer.as_asgi()),
    ]
    if settings.PODPORA_CHAT_ECHO_ENDPOINT:
        patterns.append(path("ws/echo/", consumers.EchoConsumer.as_asgi()))
    return patterns
