"""Who else has a ticket open, and live news of its changes, through the
desk socket (the real ASGI application)."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from podpora.tickets import services
from podpora.tickets.models import Priority
from tests.chat.test_consumers import _socket, run

pytestmark = pytest.mark.django_db(transaction=True)


def _agent_socket(user):
    client = Client()
    client.force_login(user)
    return _socket(client, "/ws/desk/")


async def _next(communicator, event):
    while True:
        data = await communicator.receive_json_from(timeout=5)
        if data.get("event") == event:
            return data


async def _view(communicator, number):
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "view", "ticket": number}))
    return await communicator.receive_json_from(timeout=5)


@pytest.fixture
def ticket(open_ticket_for, adam, service_desk):
    return open_ticket_for(adam, "Drukarka nie drukuje", team=service_desk)


def test_two_agents_on_one_ticket_see_each_other_come_type_and_go(
    tomasz, sylwia, ticket
):
    first, second = _agent_socket(tomasz), _agent_socket(sylwia)

    async def scenario():
        assert (await _view(first, ticket.number))["event"] == "viewing"
        await _view(second, ticket.number)
        came = await _next(first, "presence")
        already = await _next(second, "presence")
        await second.send_to(
            text_data=json.dumps(
                {"type": "typing", "ticket": ticket.number, "box": "reply"}
            )
        )
        typing = await _next(first, "presence")
        # A second ping straight after is throttled; the leave still comes.
        await second.send_to(
            text_data=json.dumps(
                {"type": "typing", "ticket": ticket.number, "box": "reply"}
            )
        )
        await second.disconnect()
        gone = await _next(first, "presence")
        assert await first.receive_nothing(timeout=0.3)
        await first.disconnect()
        return came, already, typing, gone

    came, already, typing, gone = run(scenario)
    assert (came["state"], came["name"]) == ("joined", "Sylwia Zielińska")
    assert (already["state"], already["name"]) == ("here", "Tomasz Wiśniewski")
    assert (typing["state"], typing["box"]) == ("typing", "reply")
    assert (gone["state"], gone["user"]) == ("left", sylwia.pk)


def test_an_agent_cannot_watch_a_ticket_outside_her_scope(petra, tomasz, ticket):
    watcher, outsider = _agent_socket(tomasz), _agent_socket(petra)

    async def scenario():
        await _view(watcher, ticket.number)
        answer = await _view(outsider, ticket.number)
        await outsider.send_to(
            text_data=json.dumps(
                {"type": "typing", "ticket": ticket.number, "box": "reply"}
            )
        )
        unheard = await watcher.receive_nothing(timeout=0.5)
        await outsider.disconnect()
        await watcher.disconnect()
        return answer, unheard

    answer, unheard = run(scenario)
    assert (answer["event"], answer["code"]) == ("error", "not_visible")
    assert unheard


def test_the_ticket_page_hears_who_changed_the_ticket(tomasz, sylwia, ticket):
    page = _agent_socket(tomasz)

    async def scenario():
        await _view(page, ticket.number)
        await database_sync_to_async(services.update_ticket)(
            ticket, actor=sylwia, priority=Priority.URGENT
        )
        changed = await _next(page, "changed")
        await page.disconnect()
        return changed

    changed = run(scenario)
    assert changed == {
        "event": "changed",
        "ticket": ticket.number,
        "action": "updated",
        "user": sylwia.pk,
        "name": "Sylwia Zielińska",
    }


def test_leaving_a_ticket_stops_its_news(tomasz, sylwia, ticket):
    page = _agent_socket(tomasz)

    async def scenario():
        await _view(page, ticket.number)
        await page.send_to(text_data=json.dumps({"type": "leave"}))
        await database_sync_to_async(services.update_ticket)(
            ticket, actor=sylwia, priority=Priority.URGENT
        )
        # The queue-wide notice still comes; the ticket's own does not.
        notice = await page.receive_json_from(timeout=5)
        quiet = await page.receive_nothing(timeout=0.5)
        await page.disconnect()
        return notice, quiet

    notice, quiet = run(scenario)
    assert notice["event"] == "ticket"
    assert quiet
