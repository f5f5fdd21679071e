from datetime import timedelta

import pytest

from podpora.tickets import links

pytestmark = pytest.mark.django_db


def test_a_valid_token_finds_its_ticket(adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    assert links.ticket_from_token(links.follow_token(ticket)) == ticket


def test_a_forged_or_altered_token_finds_nothing(adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    other = open_ticket_for(adam, "Inna sprawa")
    token = links.follow_token(ticket)
    forged = str(other.number) + token[token.index(":") :]
    assert links.ticket_from_token(forged) is None
    assert links.ticket_from_token(f"{ticket.number}") is None
    assert links.ticket_from_token("nonsense") is None


def test_an_expired_token_finds_nothing(adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    token = links.follow_token(ticket)
    assert links.ticket_from_token(token, max_age=timedelta(seconds=-1)) is None


def test_revoking_invalidates_every_earlier_link(adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    token = links.follow_token(ticket)
    links.revoke_links(ticket)
    assert links.ticket_from_token(token) is None
    assert links.ticket_from_token(links.follow_token(ticket)) == ticket
