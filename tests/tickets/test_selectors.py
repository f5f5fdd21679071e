"""Who sees which ticket: the one access scope every screen and API uses."""

import pytest

from podpora.tickets import selectors, services
from podpora.tickets.models import MessageKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(
    adam, anna, bara, tomasz, petra, service_desk, infrastructure, open_ticket_for
):
    return {
        "adam": open_ticket_for(adam, "Adam's printer", team=service_desk),
        "anna": open_ticket_for(anna, "Anna's VPN", team=infrastructure),
        "bara": open_ticket_for(bara, "Bára's e-mail", team=infrastructure),
        "untriaged": open_ticket_for(bara, "Nová žádost"),
    }


def _visible(user) -> set[str]:
    return set(selectors.visible_to(user).values_list("subject", flat=True))


def test_member_sees_only_own_tickets(adam, tickets):
    assert _visible(adam) == {"Adam's printer"}


def test_manager_sees_all_of_the_organisations_tickets(anna, tickets):
    assert _visible(anna) == {"Adam's printer", "Anna's VPN"}


def test_customer_never_sees_another_organisations_ticket(bara, tickets):
    assert _visible(bara) == {"Bára's e-mail", "Nová žádost"}
    with pytest.raises(type(tickets["adam"]).DoesNotExist):
        selectors.get_visible_ticket(bara, tickets["adam"].number)


def test_cc_customer_sees_the_ticket(bara, tomasz, tickets):
    services.update_ticket(tickets["adam"], actor=tomasz, cc=[bara])
    assert "Adam's printer" in _visible(bara)


def test_agent_sees_own_teams_and_untriaged_tickets(tomasz, petra, tickets):
    assert _visible(tomasz) == {"Adam's printer", "Nová žádost"}
    assert _visible(petra) == {"Anna's VPN", "Bára's e-mail", "Nová žádost"}


def test_supervisor_and_admin_see_everything(sylwia, alicja, tickets):
    assert len(_visible(sylwia)) == 4
    assert len(_visible(alicja)) == 4


def test_anonymous_sees_nothing(tickets):
    from django.contrib.auth.models import AnonymousUser

    assert _visible(AnonymousUser()) == set()


def test_customer_thread_hides_internal_notes(adam, tomasz, tickets):
    ticket = tickets["adam"]
    services.add_note(
        ticket, author=tomasz, body_text="Klient ma starą wersję sterownika"
    )
    services.add_reply(
        ticket, author=tomasz, body_text="Proszę zaktualizować sterownik"
    )
    customer_kinds = [m.kind for m in selectors.thread_for(adam, ticket)]
    agent_kinds = [m.kind for m in selectors.thread_for(tomasz, ticket)]
    assert MessageKind.NOTE not in customer_kinds
    assert customer_kinds == [MessageKind.CUSTOMER, MessageKind.REPLY]
    assert agent_kinds == [MessageKind.CUSTOMER, MessageKind.NOTE, MessageKind.REPLY]
