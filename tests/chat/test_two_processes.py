"""Chat across two web processes sharing Redis: a visitor on one, the agent
on the other, as in a scaled-out install."""

import json

import pytest
from websockets.sync.client import connect

from podpora.chat import services
from tests.chat.conftest import SHOP

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _next(socket, event="message", sender=None):
    while True:
        data = json.loads(socket.recv(timeout=10))
        if data.get("event") == event and sender in (None, data.get("sender")):
            return data


def test_visitor_on_one_process_and_agent_on_another_talk_through_redis(
    widget, tomasz, client, start_server, redis_prefix
):
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PODPORA_REDIS_KEY_PREFIX": redis_prefix,
    }
    a = start_server(**env)
    b = start_server(**env)
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    services.accept(session, tomasz)
    client.force_login(tomasz)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    with (
        connect(f"{a.ws}/ws/chat/visitor/{session.token}/", origin=SHOP) as visitor,
        connect(
            f"{b.ws}/ws/chat/agent/",
            origin=b.url,
            additional_headers={"Cookie": cookie},
        ) as agent,
    ):
        assert _next(visitor, "hello")["status"] == "active"
        visitor.send(
            json.dumps({"type": "message", "body": "Pozdrowienia z procesu A"})
        )
        assert _next(agent)["body"] == "Pozdrowienia z procesu A"
        agent.send(
            json.dumps(
                {
                    "type": "message",
                    "session": session.pk,
                    "body": "Odpowiedź z procesu B",
                }
            )
        )
        assert _next(visitor, sender="agent")["body"] == "Odpowiedź z procesu B"


def test_a_restarted_server_loses_nothing(widget, tomasz, start_server, redis_prefix):
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PODPORA_REDIS_KEY_PREFIX": redis_prefix,
    }
    first = start_server(**env)
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    with connect(
        f"{first.ws}/ws/chat/visitor/{session.token}/", origin=SHOP
    ) as visitor:
        _next(visitor, "hello")
        visitor.send(json.dumps({"type": "message", "body": "Zanim serwer padnie"}))
        last = _next(visitor)["id"]
    first.process.terminate()
    first.process.wait(timeout=10)

    second = start_server(**env)
    services.accept(session, tomasz)
    services.post_message(session, sender="agent", author=tomasz, body="Wróciłem")
    with connect(
        f"{second.ws}/ws/chat/visitor/{session.token}/?after={last}", origin=SHOP
    ) as visitor:
        missed = _next(visitor, "hello")["missed"]
    assert [m["body"] for m in missed][-1] == "Wróciłem"
