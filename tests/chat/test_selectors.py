"""Chats follow the team scope of tickets: ``chat.selectors``."""

import pytest

from podpora.chat import services
from podpora.chat.selectors import chat_scope, visible_chats

pytestmark = pytest.mark.django_db


def _start(widget, name="Ewa"):
    return services.start_session(widget, name=name, email="ewa@kowalski.pl")


def test_a_waiting_chat_is_seen_by_its_team_and_supervisors_only(
    infra_widget, tomasz, petra, sylwia, alicja, adam
):
    chat = _start(infra_widget)
    assert chat in visible_chats(petra)
    assert chat in visible_chats(sylwia)
    assert chat in visible_chats(alicja)
    assert chat not in visible_chats(tomasz)
    assert chat not in visible_chats(adam)  # a customer, even in the chat's org
    assert chat not in visible_chats(None)


def test_an_agent_sees_a_chat_handed_to_them_from_another_team(
    widget, tomasz, petra, sylwia
):
    chat = _start(widget)
    assert chat not in visible_chats(petra)
    services.accept(chat, tomasz)
    services.transfer(chat, by=sylwia, to_agent=petra)
    assert chat in visible_chats(petra)
    assert chat in visible_chats(tomasz)  # still his team's chat


def test_a_chat_handed_to_another_team_leaves_the_first_teams_scope(
    widget, tomasz, petra, infrastructure
):
    chat = _start(widget)
    services.accept(chat, tomasz)
    services.transfer(chat, by=tomasz, to_team=infrastructure)
    assert chat not in visible_chats(tomasz)
    assert chat in visible_chats(petra)


def test_the_sockets_scope_agrees_with_the_database_scope(
    widget, infra_widget, tomasz, petra, sylwia, adam
):
    chats = [_start(widget, "Ewa"), _start(infra_widget, "Jan")]
    services.accept(chats[0], tomasz)
    services.transfer(chats[0], by=sylwia, to_agent=petra)
    for user in (tomasz, petra, sylwia, adam):
        scope = chat_scope(user)
        for chat in chats:
            chat.refresh_from_db()
            assert scope.allows(chat.team_id, frozenset({chat.agent_id})) == (
                chat in visible_chats(user)
            ), (user, chat)
