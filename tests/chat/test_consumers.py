"""The WebSocket endpoints, through the real ASGI application."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.testing.websocket import WebsocketCommunicator

from podpora.asgi import application
from podpora.chat import services
from podpora.chat.models import ChatMessage
from tests.chat.conftest import SHOP

pytestmark = pytest.mark.django_db(transaction=True)


def _visitor(session, origin=SHOP, after=0):
    return WebsocketCommunicator(
        application,
        f"/ws/chat/visitor/{session.token}/?after={after}",
        headers=[(b"origin", origin.encode()), (b"host", b"127.0.0.1:8000")],
    )


def _agent(client, user):
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return WebsocketCommunicator(
        application,
        "/ws/chat/agent/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", cookie.encode()),
        ],
    )


async def _next(communicator, event="message"):
    """The next event of a kind (typing notices go to the whole chat, the
    sender included, and clients skip their own)."""
    while True:
        data = await communicator.receive_json_from(timeout=5)
        if data.get("event") == event:
            return data


def run(coro_fn):
    """Run an async scenario on a loop of its own thread (browser tests keep
    Playwright's loop running in the main thread for the whole session)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


def test_visitor_and_agent_talk_live_and_everything_is_stored(widget, tomasz, client):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    services.accept(session, tomasz)
    visitor = _visitor(session)
    agent = _agent(client, tomasz)

    async def scenario():
        connected, _ = await visitor.connect()
        assert connected
        hello = await visitor.receive_json_from()
        assert hello["event"] == "hello"
        assert hello["status"] == "active"
        connected, _ = await agent.connect()
        assert connected
        await visitor.send_json_to(
            {"type": "message", "body": "Dzień dobry, nie działa VPN"}
        )
        heard = await agent.receive_json_from(timeout=5)
        assert heard["body"] == "Dzień dobry, nie działa VPN"
        echoed = await visitor.receive_json_from(timeout=5)
        assert echoed["id"] == heard["id"]
        await visitor.send_json_to({"type": "typing"})
        assert (await agent.receive_json_from(timeout=5))["event"] == "typing"
        await agent.send_json_to(
            {"type": "message", "session": session.pk, "body": "Już sprawdzam"}
        )
        reply = await _next(visitor)
        assert (reply["sender"], reply["body"], reply["name"]) == (
            "agent",
            "Już sprawdzam",
            "Tomasz",
        )
        await visitor.disconnect()
        await agent.disconnect()

    run(scenario)
    assert list(
        ChatMessage.objects.filter(session=session)
        .exclude(sender="system")
        .values_list("body", flat=True)
    ) == ["Dzień dobry, nie działa VPN", "Już sprawdzam"]


def test_visitor_socket_from_a_foreign_website_is_refused(widget):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")

    async def scenario():
        connected, code = await _visitor(
            session, origin="https://evil.example"
        ).connect()
        assert (connected, code) == (False, 4403)

    run(scenario)


def test_an_unknown_token_cannot_join_anyones_chat(widget):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    session.token = "00000000-0000-4000-8000-000000000000"

    async def scenario():
        connected, code = await _visitor(session).connect()
        assert (connected, code) == (False, 4404)

    run(scenario)


def test_a_reconnecting_visitor_gets_what_it_missed(widget, tomasz):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    seen = services.post_message(session, sender="visitor", author=None, body="Halo")
    services.accept(session, tomasz)
    services.post_message(session, sender="agent", author=tomasz, body="Jestem")

    async def scenario():
        communicator = _visitor(session, after=seen.pk)
        await communicator.connect()
        hello = await communicator.receive_json_from()
        assert [m["body"] for m in hello["missed"]][-1] == "Jestem"
        assert "Halo" not in [m["body"] for m in hello["missed"]]
        await communicator.disconnect()

    run(scenario)


def test_visitor_messages_are_rate_limited(widget, tomasz):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")

    async def scenario():
        communicator = _visitor(session)
        await communicator.connect()
        await communicator.receive_json_from()
        codes = []
        for i in range(35):
            await communicator.send_json_to({"type": "message", "body": f"spam {i}"})
            reply = await communicator.receive_json_from(timeout=5)
            codes.append(reply.get("code"))
        await communicator.disconnect()
        return codes

    codes = run(scenario)
    assert "rate_limited" in codes
    assert ChatMessage.objects.filter(session=session).count() == 30


def test_oversized_frames_are_refused(widget):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")

    async def scenario():
        communicator = _visitor(session)
        await communicator.connect()
        await communicator.receive_json_from()
        await communicator.send_to(
            text_data=json.dumps({"type": "message", "body": "x" * 20000})
        )
        reply = await communicator.receive_json_from()
        await communicator.disconnect()
        return reply

    assert run(scenario)["code"] == "too_long"
    assert not ChatMessage.objects.filter(session=session).exists()


def _socket(client, path):
    return WebsocketCommunicator(
        application,
        path,
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        ],
    )


def test_customers_cannot_open_the_agent_or_desk_sockets(client, adam):
    client.force_login(adam)
    sockets = [_socket(client, "/ws/chat/agent/"), _socket(client, "/ws/desk/")]

    async def scenario():
        for communicator in sockets:
            connected, code = await communicator.connect()
            assert (connected, code) == (False, 4403)

    run(scenario)


def test_desk_pages_hear_about_new_tickets(client, tomasz, adam, open_ticket_for):
    from channels.db import database_sync_to_async

    client.force_login(tomasz)
    communicator = _socket(client, "/ws/desk/")

    async def scenario():
        connected, _ = await communicator.connect()
        assert connected
        ticket = await database_sync_to_async(open_ticket_for)(adam, "Nowe zgłoszenie")
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return ticket, event

    ticket, event = run(scenario)
    assert (event["event"], event["number"], event["action"]) == (
        "ticket",
        ticket.number,
        "opened",
    )


def test_console_sockets_hear_only_chats_in_their_scope(
    widget, infra_widget, tomasz, petra, sylwia
):
    from channels.db import database_sync_to_async
    from django.test import Client

    consoles = {user: _agent(Client(), user) for user in (tomasz, petra, sylwia)}
    start = database_sync_to_async(services.start_session)

    async def scenario():
        for communicator in consoles.values():
            connected, _ = await communicator.connect()
            assert connected
        infra = await start(infra_widget, name="Jan", email="jan@kowalski.pl")
        desk = await start(widget, name="Ewa", email="ewa@kowalski.pl")
        heard = {}
        for user, communicator in consoles.items():
            heard[user] = [await communicator.receive_json_from(timeout=5)]
            if user == sylwia:
                heard[user].append(await communicator.receive_json_from(timeout=5))
            assert await communicator.receive_nothing(timeout=0.2)
            await communicator.disconnect()
        return infra, desk, heard

    infra, desk, heard = run(scenario)
    assert heard[tomasz] == [{"event": "waiting", "session": desk.pk}]
    assert heard[petra] == [{"event": "waiting", "session": infra.pk}]
    assert [event["session"] for event in heard[sylwia]] == [infra.pk, desk.pk]


def test_an_agent_stops_hearing_a_chat_handed_to_another_team(
    client, widget, tomasz, petra, infrastructure
):
    from channels.db import database_sync_to_async

    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    services.accept(session, tomasz)
    console = _agent(client, tomasz)
    visitor = _visitor(session)

    @database_sync_to_async
    def hand_over():
        services.transfer(session, by=tomasz, to_team=infrastructure)

    async def scenario():
        assert (await console.connect())[0]
        await visitor.connect()
        await visitor.receive_json_from()
        await hand_over()
        assert (await _next(console, "transferred"))["session"] == session.pk
        await visitor.send_json_to({"type": "message", "body": "Serwer nie działa"})
        await _next(visitor)
        quiet = await console.receive_nothing(timeout=0.5)
        await console.send_json_to(
            {"type": "message", "session": session.pk, "body": "Wciąż tu jestem"}
        )
        refused = await console.receive_json_from(timeout=5)
        await visitor.disconnect()
        await console.disconnect()
        return quiet, refused

    quiet, refused = run(scenario)
    assert quiet
    assert refused["code"] == "not_yours"
