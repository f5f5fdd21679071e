import pytest
from django.core.management import call_command
from django.test import Client

from podpora.search.models import SearchDocument
from podpora.search.services import search
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_reindex_rebuilds_a_lost_index_with_a_progress_bar(
    tomasz, anna, open_ticket_for, capsys
):
    ticket = open_ticket_for(anna, "Żółty monitor")
    from podpora.search.index import remove_all

    remove_all()
    assert search(tomasz, "zolty").hits == []
    call_command("search", "reindex", "--batch-size", "1")
    out = capsys.readouterr()
    assert "Indexed 1 tickets" in out.out
    assert "1/1" in out.err
    assert [h.ticket for h in search(tomasz, "zolty").hits] == [ticket]
    assert SearchDocument.objects.count() == 1


def _client(user) -> Client:
    client = Client()
    client.login(email=user.email, password=PASSWORD)
    return client


def test_agent_search_page_shows_highlighted_hits_with_filters(
    tomasz, anna, open_ticket_for
):
    open_ticket_for(
        anna, "Faktura za październik", body_text="Prosimy o korektę faktury."
    )
    response = _client(tomasz).get("/search/", {"q": "faktury", "status": "new"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Faktura</mark>" in html
    assert 'name="team"' in html


def test_customer_search_page_has_no_agent_filters_and_no_notes(
    anna, adam, tomasz, open_ticket_for
):
    from podpora.tickets import services

    ticket = open_ticket_for(adam, "Monitor")
    services.add_note(ticket, author=tomasz, body_text="Monitor tajne uwagi")
    response = _client(adam).get("/search/", {"q": "monitor"})
    html = response.content.decode()
    assert f"#{ticket.number}" in html
    assert "tajne" not in html
    assert 'name="team"' not in html
    assert (
        _client(adam)
        .get("/search/", {"q": "tajne"})
        .content.decode()
        .count("search-hit")
        == 0
    )


def test_search_page_needs_sign_in(client):
    assert client.get("/search/?q=x").status_code == 302


def test_search_api_returns_hits_in_the_callers_schema(
    api_as, anna, tomasz, open_ticket_for
):
    open_ticket_for(anna, "Příliš pomalý server")
    agent = api_as(tomasz).get("/api/v1/search", {"q": "prilis"}).json()
    customer = api_as(anna).get("/api/v1/search", {"q": "prilis"}).json()
    assert agent["items"][0]["title_html"] == "<mark>Příliš</mark> pomalý server"
    assert "team" in agent["items"][0]["ticket"]
    assert "team" not in customer["items"][0]["ticket"]


def test_the_search_page_keeps_the_desk_navigation_for_agents(tomasz):
    html = _client(tomasz).get("/search/", {"q": "faktura"}).content.decode()
    assert 'class="topbar"' in html
    assert 'accesskey="q"' in html  # the queues link
    assert 'name="number"' in html  # the desk's jump to a ticket number


def test_the_search_page_keeps_the_portal_navigation_for_customers(anna):
    html = _client(anna).get("/search/", {"q": "faktura"}).content.decode()
    assert 'class="portal-header"' in html
    assert "My tickets" in html
    assert 'class="topbar"' not in html


def test_numbers_and_addresses_are_found_while_the_index_is_empty(
    tomasz, anna, open_ticket_for
):
    from podpora.search.index import remove_all
    from podpora.search.services import search

    ticket = open_ticket_for(anna, "Drukarka", body_text="Brak tonera.")
    remove_all()
    for query in [f"#{ticket.number}", str(ticket.number), anna.email.upper()]:
        results = search(tomasz, query)
        assert [h.ticket for h in results.hits] == [ticket], query
        assert results.index_incomplete
    assert search(tomasz, "drukarka").hits == []


def test_the_page_and_the_api_say_while_the_index_is_incomplete(
    tomasz, anna, open_ticket_for, api_as
):
    from django.core.management import call_command

    from podpora.search.index import remove_all

    ticket = open_ticket_for(anna, "Drukarka", body_text="Brak tonera.")
    client = _client(tomasz)
    assert "index-notice" not in client.get("/search/", {"q": "x"}).content.decode()
    remove_all()
    html = client.get("/search/", {"q": f"#{ticket.number}"}).content.decode()
    assert "The search index is being rebuilt" in html
    assert f"#{ticket.number}" in html
    api = api_as(tomasz).get("/api/v1/search", {"q": "drukarka"}).json()
    assert api["index_incomplete"] is True
    call_command("search", "reindex", "--no-progress")
    assert "index-notice" not in client.get("/search/", {"q": "x"}).content.decode()
    assert (
        api_as(tomasz).get("/api/v1/search", {"q": "x"}).json()["index_incomplete"]
        is False
    )
