import pytest
from django.test import Client

from podpora.tickets.models import Channel


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tomasz_client(tomasz) -> Client:
    return signed_in(tomasz)


@pytest.fixture
def sylwia_client(sylwia) -> Client:
    return signed_in(sylwia)


@pytest.fixture
def printer_ticket(open_ticket_for, adam, service_desk):
    """Adam's printer ticket, routed to Tomasz's Service Desk team."""
    return open_ticket_for(adam, "Drukarka nie drukuje", team=service_desk)


@pytest.fixture
def vpn_ticket(open_ticket_for, bara, service_desk):
    return open_ticket_for(
        bara, "VPN nefunguje", team=service_desk, channel=Channel.EMAIL
    )
