"""Group commit: messages sent over WebSockets at the same moment are stored
together, each is answered on its own, and a failed batch loses nothing."""

import asyncio
import threading

import pytest
from django.db import DatabaseError, connection

from podpora.chat import services, writer
from podpora.chat.layers import InMemoryChannelLayer
from podpora.chat.models import ChatMessage, Sender
from tests.chat.test_consumers import _visitor, run

pytestmark = pytest.mark.django_db(transaction=True)


def _start(widget, count):
    return [
        services.start_session(widget, name=f"Gość {i}", email=f"gosc{i}@kowalski.pl")
        for i in range(count)
    ]


def test_many_visitors_writing_at_once_each_hear_their_own_message(widget):
    sessions = _start(widget, 30)
    commits = []
    original = services.store_messages

    def counting(drafts):
        commits.append(len(drafts))
        return original(drafts)

    async def scenario():
        sockets = [_visitor(s) for s in sessions]
        for socket in sockets:
            assert (await socket.connect())[0]
            await socket.receive_json_from()
        for i, socket in enumerate(sockets):
            await socket.send_json_to({"type": "message", "body": f"Pytanie {i}"})
        heard = [await socket.receive_json_from(timeout=10) for socket in sockets]
        for socket in sockets:
            await socket.disconnect()
        return heard

    services.store_messages = counting
    try:
        heard = run(scenario)
    finally:
        services.store_messages = original
    assert [h["body"] for h in heard] == [f"Pytanie {i}" for i in range(30)]
    assert [h["session"] for h in heard] == [s.pk for s in sessions]
    for session, h in zip(sessions, heard, strict=True):
        stored = ChatMessage.objects.get(session=session, sender=Sender.VISITOR)
        assert (stored.pk, stored.body) == (h["id"], h["body"])
    # Thirty messages sent together took fewer than thirty transactions.
    assert sum(commits) == 30
    assert len(commits) < 30


def test_a_batch_keeps_each_chats_order_and_refuses_only_the_bad_message(
    widget, tomasz
):
    first, second, ended = _start(widget, 3)
    services.end(ended, by=None)
    drafts = [
        services.Draft(second.pk, Sender.VISITOR, None, "B1"),
        services.Draft(first.pk, Sender.VISITOR, None, "A1"),
        services.Draft(ended.pk, Sender.VISITOR, None, "za późno"),
        services.Draft(first.pk, Sender.AGENT, tomasz, "nie moja rozmowa"),
        services.Draft(second.pk, Sender.VISITOR, None, "B2"),
        services.Draft(first.pk, Sender.VISITOR, None, "   "),
        services.Draft(first.pk, Sender.VISITOR, None, "A2"),
    ]
    outcomes = writer.store(drafts)
    assert [
        o.code if isinstance(o, services.ChatError) else o["body"] for o in outcomes
    ] == [
        "B1",
        "A1",
        "ended",
        "not_yours",
        "B2",
        "empty",
        "A2",
    ]
    for session, bodies in ((first, ["A1", "A2"]), (second, ["B1", "B2"])):
        assert [m["body"] for m in services.messages_after(session)] == bodies
    assert not ChatMessage.objects.filter(session=ended, sender=Sender.VISITOR).exists()


def test_a_failed_batch_is_written_one_by_one_and_nothing_is_lost(widget, monkeypatch):
    sessions = _start(widget, 3)
    original = services.store_messages

    def flaky(drafts):
        if len(drafts) > 1 or drafts[0].body == "zepsuta":
            raise DatabaseError("connection lost")
        return original(drafts)

    monkeypatch.setattr(services, "store_messages", flaky)
    outcomes = writer.store(
        [
            services.Draft(sessions[0].pk, Sender.VISITOR, None, "pierwsza"),
            services.Draft(sessions[1].pk, Sender.VISITOR, None, "zepsuta"),
            services.Draft(sessions[2].pk, Sender.VISITOR, None, "trzecia"),
        ]
    )
    assert outcomes[0]["body"] == "pierwsza"
    assert outcomes[2]["body"] == "trzecia"
    assert isinstance(outcomes[1], services.ChatError)
    assert outcomes[1].code == "not_saved"
    assert set(
        ChatMessage.objects.filter(sender=Sender.VISITOR).values_list("body", flat=True)
    ) == {"pierwsza", "trzecia"}


def test_a_message_that_cannot_be_stored_is_not_pushed_and_the_sender_is_told(
    widget, monkeypatch
):
    (session,) = _start(widget, 1)

    def broken(drafts):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "store_messages", broken)

    async def scenario():
        socket = _visitor(session)
        await socket.connect()
        await socket.receive_json_from()
        await socket.send_json_to(
            {"type": "message", "body": "Halo", "client_id": "c1"}
        )
        reply = await socket.receive_json_from(timeout=5)
        nothing_else = await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return reply, nothing_else

    reply, nothing_else = run(scenario)
    assert (reply["event"], reply["code"], reply["client_id"]) == (
        "error",
        "not_saved",
        "c1",
    )
    assert nothing_else
    assert not ChatMessage.objects.filter(session=session).exists()


def test_writers_locking_the_same_chats_in_opposite_orders_do_not_deadlock(widget):
    first, second = _start(widget, 2)
    errors = []

    def write(order):
        try:
            for i in range(15):
                outcomes = services.store_messages(
                    [
                        services.Draft(pk, Sender.VISITOR, None, f"{pk}-{i}")
                        for pk in order
                    ]
                )
                assert not [o for o in outcomes if isinstance(o, services.ChatError)]
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(order,))
        for order in ([first.pk, second.pk], [second.pk, first.pk])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for session in (first, second):
        ids = list(
            ChatMessage.objects.filter(session=session, sender=Sender.VISITOR)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        assert len(ids) == 30
        assert ids == sorted(ids)


def test_the_in_memory_layer_still_drops_members_whose_messages_expired():
    async def scenario():
        layer = InMemoryChannelLayer(expiry=0.05)
        await layer.group_add("chat.1", "specific.gone!1")
        await layer.group_add("chat.1", "specific.here!1")
        await layer.group_send("chat.1", {"type": "push", "n": 1})
        heard = await layer.receive("specific.here!1")  # nobody reads gone!1
        await asyncio.sleep(0.1)
        layer._last_sweep = float("-inf")  # as if a second had passed
        await layer.group_send("chat.1", {"type": "push", "n": 2})
        return heard, set(layer.groups["chat.1"])

    heard, members = run(scenario)
    assert heard["n"] == 1
    assert members == {"specific.here!1"}
