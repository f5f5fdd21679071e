"""WebSocket endpoints: the visitor's widget, the agents' console, desk updates.

Every message is stored before it is pushed, so a restart loses nothing and a
reconnecting client asks for what came after the last id it saw.
"""

import json
import secrets
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from podpora.chat import broadcast, services, writer
from podpora.chat.models import ChatSession, Sender, SessionStatus
from podpora.chat.selectors import ChatScope, chat_scope, visible_chats
from podpora.core import ratelimit

# Per-minute caps; a visitor types, an agent may paste several answers.
VISITOR_MESSAGES_PER_MINUTE = 30
AGENT_MESSAGES_PER_MINUTE = 120
MAX_FRAME_BYTES = 16 * 1024

_VISITOR_MESSAGES = ratelimit.LocalLimiter(limit=VISITOR_MESSAGES_PER_MINUTE, window=60)
_AGENT_MESSAGES = ratelimit.LocalLimiter(limit=AGENT_MESSAGES_PER_MINUTE, window=60)
_TYPING = ratelimit.LocalLimiter(limit=60, window=60)
# A ticket page says "typing" at most once in this many seconds per socket.
_DESK_TYPING = ratelimit.LocalLimiter(limit=1, window=2)
_IP_LIMITERS: dict[int, ratelimit.LocalLimiter] = {}


def _ip_limiter() -> ratelimit.LocalLimiter:
    limit = settings.PODPORA_CHAT_IP_MESSAGES_PER_MINUTE
    if limit not in _IP_LIMITERS:
        _IP_LIMITERS[limit] = ratelimit.LocalLimiter(limit=limit, window=60)
    return _IP_LIMITERS[limit]


def _origin(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin-1").rstrip("/").lower()
    return ""


def own_origins() -> set[str]:
    return {settings.PODPORA_BASE_URL.rstrip("/").lower()}


class _Base(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first runs close_old_connections() on the one
        # thread that database calls share, for every frame and every push:
        # under load each chat message waited three times in that queue. These
        # consumers touch the database only through database_sync_to_async
        # and the message writer, which close stale connections themselves.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def push(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        text = message.get("text") or ""
        if len(text.encode()) > MAX_FRAME_BYTES:
            await self.send_json({"event": "error", "code": "too_long"})
            return
        try:
            content = json.loads(text)
        except ValueError:
            await self.send_json({"event": "error", "code": "bad_json"})
            return
        if isinstance(content, dict):
            await self.receive_json(content)

    async def _join(self, group: str) -> None:
        if group not in self.groups_joined:
            await broadcast.join(self.channel_layer, group, self.channel_name)
            self.groups_joined.append(group)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await broadcast.leave(self.channel_layer, group, self.channel_name)


class VisitorConsumer(_Base):
    """``/ws/chat/visitor/<token>/?after=<last id>``: one visitor, one chat."""

    session: ChatSession

    async def connect(self) -> None:
        self.groups_joined = []
        session = await self._session(str(self.scope["url_route"]["kwargs"]["token"]))
        if session is None:
            await self.close(code=4404)
            return
        allowed = session.widget.origins() | own_origins()
        if _origin(self.scope) not in allowed:
            await self.close(code=4403)
            return
        self.session = session
        # Subscribe before accepting: once the client sees the socket open,
        # nothing sent to the chat can pass it by.
        await self._join(session.group_name)
        await self.accept()
        after = parse_qs(self.scope.get("query_string", b"").decode()).get(
            "after", ["0"]
        )[0]
        missed = await database_sync_to_async(services.messages_after)(
            session, int(after) if after.isdigit() else 0
        )
        await self.send_json(
            {"event": "hello", "status": session.status, "missed": missed}
        )

    @database_sync_to_async
    def _session(self, token: str) -> ChatSession | None:
        return (
            ChatSession.objects.select_related("widget", "visitor")
            .filter(token=token)
            .first()
        )

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "typing":
            if _TYPING.allow(f"typing:{self.session.pk}"):
                await broadcast.push(
                    self.channel_layer,
                    self.session.group_name,
                    {
                        "event": "typing",
                        "sender": Sender.VISITOR,
                        "session": self.session.pk,
                    },
                )
            return
        if kind != "message":
            return
        if not (
            _VISITOR_MESSAGES.allow(f"session:{self.session.pk}")
            and _ip_limiter().allow(f"ip:{ratelimit.scope_client_ip(self.scope)}")
        ):
            await self.send_json({"event": "error", "code": "rate_limited"})
            return
        await self._post(str(content.get("body", "")), content.get("client_id"))

    async def _post(self, body: str, client_id: Any) -> None:
        try:
            payload = await writer.write(
                services.Draft(self.session.pk, Sender.VISITOR, None, body)
            )
        except services.ChatError as error:
            await self.send_json(
                {
                    "event": "error",
                    "code": error.code,
                    "message": error.message,
                    "client_id": client_id,
                }
            )
            return
        await broadcast.push(self.channel_layer, self.session.group_name, payload)


class AgentConsumer(_Base):
    """``/ws/chat/agent/``: an agent's console — waiting list and their chats.

    It hears only chats in the agent's scope (``chat.selectors``): console
    events carry their chat's team and agents and are checked against the
    scope read at connect; a chat's messages come only from the chats the
    agent handles.
    """

    scope_of_chats: ChatScope

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_agent:
            await self.close(code=4403)
            return
        if _origin(self.scope) not in own_origins() | _host_origins(self.scope):
            await self.close(code=4403)
            return
        self.user = user
        self.scope_of_chats = await database_sync_to_async(chat_scope)(user)
        await self._join(broadcast.AGENTS_GROUP)
        for session_id in await self._my_sessions():
            await self._join(f"chat.{session_id}")
        await self.accept()

    @database_sync_to_async
    def _my_sessions(self) -> list[int]:
        return list(
            visible_chats(self.user)
            .filter(agent=self.user, status=SessionStatus.ACTIVE)
            .values_list("pk", flat=True)
        )

    async def push(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        if broadcast.AUDIENCE in payload:
            payload = dict(payload)
            audience = payload.pop(broadcast.AUDIENCE)
            group = f"chat.{payload['session']}"
            if audience["agent"] != self.user.pk and group in self.groups_joined:
                # Handed to someone else: its messages are no longer ours.
                await broadcast.leave(self.channel_layer, group, self.channel_name)
                self.groups_joined.remove(group)
            if not self.scope_of_chats.allows(
                audience["team"], frozenset({audience["agent"], audience["was"]})
            ):
                return
        await self.send_json(payload)

    @database_sync_to_async
    def _mine(self, session_id: int) -> ChatSession | None:
        return (
            visible_chats(self.user)
            .select_related("visitor")
            .filter(pk=session_id, agent=self.user)
            .exclude(status=SessionStatus.ENDED)
            .first()
        )

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        session_id = content.get("session")
        if not isinstance(session_id, int):
            return
        session = await self._mine(session_id)
        if session is None:
            await self.send_json(
                {"event": "error", "code": "not_yours", "session": session_id}
            )
            return
        kind = content.get("type")
        if kind == "join":
            await self._join(session.group_name)
            missed = await database_sync_to_async(services.messages_after)(
                session, int(content.get("after") or 0)
            )
            await self.send_json(
                {"event": "joined", "session": session.pk, "missed": missed}
            )
        elif kind == "typing":
            await broadcast.push(
                self.channel_layer,
                session.group_name,
                {"event": "typing", "sender": Sender.AGENT, "session": session.pk},
            )
        elif kind == "message":
            if not _AGENT_MESSAGES.allow(f"agent:{self.user.pk}"):
                await self.send_json(
                    {"event": "error", "code": "rate_limited", "session": session.pk}
                )
                return
            try:
                payload = await writer.write(
                    services.Draft(
                        session.pk,
                        Sender.AGENT,
                        self.user,
                        str(content.get("body", "")),
                    )
                )
            except services.ChatError as error:
                await self.send_json(
                    {
                        "event": "error",
                        "code": error.code,
                        "message": error.message,
                        "session": session.pk,
                    }
                )
                return
            await broadcast.push(self.channel_layer, session.group_name, payload)


class DeskConsumer(_Base):
    """``/ws/desk/``: tells agents' open pages that tickets changed, and who
    else has a ticket open.

    A ticket page sends ``{"type": "view", "ticket": <number>}``; the socket
    then joins that ticket's group if the agent may see the ticket (the same
    scope as the page), and hears who comes, types and goes, and when someone
    changes the ticket. Who is there is never stored: a newcomer's
    ``joined`` makes everybody already there answer ``here``, so every web
    process knows the same without a shared list.
    """

    viewing: tuple[int, int] | None = None  # (ticket pk, number)

    async def connect(self) -> None:
        self.groups_joined = []
        self.viewing = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_agent:
            await self.close(code=4403)
            return
        if _origin(self.scope) not in own_origins() | _host_origins(self.scope):
            await self.close(code=4403)
            return
        self.user = user
        self.viewer = secrets.token_urlsafe(6)
        await self._join(broadcast.DESK_GROUP)
        await self.accept()

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "view":
            number = content.get("ticket")
            if isinstance(number, int):
                await self._view(number)
        elif kind == "typing":
            box = content.get("box")
            if (
                self.viewing is not None
                and content.get("ticket") == self.viewing[1]
                and box in ("reply", "note")
                and _DESK_TYPING.allow(self.viewer)
            ):
                await self._announce("typing", box=box)
        elif kind == "leave":
            await self._stop_viewing()

    async def _view(self, number: int) -> None:
        await self._stop_viewing()
        pk = await self._visible_ticket(number)
        if pk is None:
            await self.send_json(
                {"event": "error", "code": "not_visible", "ticket": number}
            )
            return
        self.viewing = (pk, number)
        await self._join(broadcast.ticket_group(pk))
        await self.send_json({"event": "viewing", "ticket": number})
        await self._announce("joined")

    @database_sync_to_async
    def _visible_ticket(self, number: int) -> int | None:
        from podpora.tickets.selectors import visible_to

        return (
            visible_to(self.user)
            .filter(number=number)
            .values_list("pk", flat=True)
            .first()
        )

    async def _stop_viewing(self) -> None:
        if self.viewing is None:
            return
        await self._announce("left")
        group = broadcast.ticket_group(self.viewing[0])
        await broadcast.leave(self.channel_layer, group, self.channel_name)
        self.groups_joined.remove(group)
        self.viewing = None

    async def _announce(self, state: str, **more: Any) -> None:
        assert self.viewing is not None
        await broadcast.tell_viewers(
            self.channel_layer,
            self.viewing[0],
            {
                "event": "presence",
                "state": state,
                "ticket": self.viewing[1],
                "viewer": self.viewer,
                "user": self.user.pk,
                "name": self.user.display_name,
                **more,
            },
        )

    async def presence(self, event: dict[str, Any]) -> None:
        """Another page's coming, typing or going (the group's own events
        come back to their sender too, which skips them)."""
        payload = event["payload"]
        if payload["viewer"] == self.viewer or self.viewing is None:
            return
        await self.send_json(payload)
        if payload["state"] == "joined":
            await self._announce("here")

    async def disconnect(self, code: int) -> None:
        if getattr(self, "viewing", None) is not None:
            await self._announce("left")
        await super().disconnect(code)


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """A bare echo, the ceiling that bench/chat.py compares chat against.
    Routed only when settings.PODPORA_CHAT_ECHO_ENDPOINT is on."""

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        await self.send(text_data=text_data)


def _host_origins(scope: dict[str, Any]) -> set[str]:
    """The origin of the page that opened the socket on this very host."""
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1").lower()
            return (
                {f"http://{host}", f"https://{host}"} if _host_allowed(host) else set()
            )
    return set()


def _host_allowed(host: str) -> bool:
    from django.http.request import split_domain_port, validate_host

    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)
