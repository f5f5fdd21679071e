"""Live updates between the processes of the embedded default (no Redis): the
worker, the scheduler or a mail pipe changes a ticket, and the desk pages that
the web server holds open hear of it; chats work across two web processes."""

import asyncio
import json
import socket
import threading

import pytest
from websockets.sync.client import connect

from podpora.chat import services
from podpora.chat.relay import Relay
from podpora.mail.models import Mailbox
from podpora.tickets.models import Ticket
from tests.chat.conftest import SHOP
from tests.core.processes import podpora

NO_REDIS = {"REDIS_URL": ""}


def _next(socket, event, **match):
    while True:
        data = json.loads(socket.recv(timeout=10))
        if data.get("event") == event and all(
            data.get(k) == v for k, v in match.items()
        ):
            return data


def _agent_cookie(client, agent) -> str:
    client.force_login(agent)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_mail_piped_in_by_another_process_refreshes_open_desk_pages(
    tomasz, service_desk, client, start_server
):
    Mailbox.objects.create(
        name="support",
        kind="pipe",
        addresses="support@podpora.test",
        default_team=service_desk,
    )
    server = start_server(**NO_REDIS)
    with connect(
        f"{server.ws}/ws/desk/",
        origin=server.url,
        additional_headers={"Cookie": _agent_cookie(client, tomasz)},
    ) as desk:
        mail = (
            b"From: Ewa Nowak <ewa@kowalski.pl>\r\n"
            b"To: support@podpora.test\r\n"
            b"Subject: Drukarka nie drukuje\r\n"
            b"Message-ID: <relay-1@kowalski.pl>\r\n\r\n"
            b"Drukarka w recepcji nie drukuje.\r\n"
        )
        pipe = podpora("mail", "deliver", "--mailbox", "support", stdin=-1)
        output, _ = pipe.communicate(mail.decode(), timeout=60)
        assert pipe.returncode == 0, output
        ticket = Ticket.objects.get(subject="Drukarka nie drukuje")

        pushed = _next(desk, "ticket", number=ticket.number)

    assert pushed["action"] == "opened"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_visitor_and_agent_on_two_web_processes_talk_without_redis(
    widget, tomasz, client, start_server
):
    a = start_server(**NO_REDIS)
    b = start_server(**NO_REDIS)
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    services.accept(session, tomasz)

    with (
        connect(f"{a.ws}/ws/chat/visitor/{session.token}/", origin=SHOP) as visitor,
        connect(
            f"{b.ws}/ws/chat/agent/",
            origin=b.url,
            additional_headers={"Cookie": _agent_cookie(client, tomasz)},
        ) as agent,
    ):
        _next(visitor, "hello")
        visitor.send(json.dumps({"type": "message", "body": "Dzień dobry z A"}))
        assert _next(agent, "message")["body"] == "Dzień dobry z A"
        agent.send(
            json.dumps({"type": "message", "session": session.pk, "body": "Witam z B"})
        )
        assert _next(visitor, "message", sender="agent")["body"] == "Witam z B"


# --- the relay on its own -------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "live"


def _run(scenario):
    """Run an async scenario on a loop of its own, in a thread of its own (other
    tests may leave a loop running in this one)."""
    outcome = {}

    def target():
        outcome["value"] = asyncio.run(scenario())

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=10)
    return outcome["value"]


def _listening(folder, name, heard):
    async def deliver(group, message):
        heard.append((group, message))

    relay = Relay(lambda: folder, name=name)
    assert relay.listen(asyncio.get_running_loop(), deliver)
    return relay


def test_a_group_message_reaches_every_listening_sibling_once(folder):
    first_heard: list = []
    second_heard: list = []

    async def scenario():
        first = _listening(folder, "web-1", first_heard)
        second = _listening(folder, "web-2", second_heard)
        sent = Relay(lambda: folder).send("desk.tickets", {"payload": {"n": 7}})
        await asyncio.sleep(0.05)
        first.close(asyncio.get_running_loop())
        second.close(asyncio.get_running_loop())
        return sent

    assert _run(scenario) == 2
    assert first_heard == [("desk.tickets", {"payload": {"n": 7}})]
    assert second_heard == [("desk.tickets", {"payload": {"n": 7}})]
    assert list(folder.iterdir()) == []  # closed listeners leave no socket


def test_a_process_does_not_send_to_itself(folder):
    heard: list = []

    async def scenario():
        relay = _listening(folder, "web", heard)
        sent = relay.send("desk.tickets", {"type": "push"})
        await asyncio.sleep(0.05)
        relay.close(asyncio.get_running_loop())
        return sent

    assert _run(scenario) == 0
    assert heard == []


def test_a_socket_left_by_a_dead_process_is_cleared(folder):
    folder.mkdir(mode=0o700)
    stale = folder / "999999.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(stale))
    dead.close()  # the file stays, nobody reads it

    assert Relay(lambda: folder).send("desk.tickets", {"type": "push"}) == 0
    assert not stale.exists()


def test_a_folder_others_may_enter_is_not_used(folder):
    folder.mkdir()
    folder.chmod(0o757)  # others may enter and list it

    async def scenario():
        relay = Relay(lambda: folder, name="web")
        return relay.listen(asyncio.get_running_loop(), lambda *args: None)

    assert _run(scenario) is False
    assert list(folder.iterdir()) == []


def test_an_oversized_message_is_dropped_not_sent(folder, caplog):
    heard: list = []

    async def scenario():
        relay = _listening(folder, "web", heard)
        sent = Relay(lambda: folder).send("chat.x", {"body": "x" * 100_000})
        await asyncio.sleep(0.05)
        relay.close(asyncio.get_running_loop())
        return sent

    assert _run(scenario) == 0
    assert heard == []
    assert "dropped" in caplog.text
