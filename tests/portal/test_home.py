import pytest
from django.urls import reverse

from podpora.tickets import services
from podpora.tickets.models import Status

pytestmark = pytest.mark.django_db

HOME = "/portal/"


def test_anonymous_visitor_is_offered_sign_in_and_the_public_form(
    client, adam, open_ticket_for
):
    open_ticket_for(adam, "Tajny temat")
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("accounts:login") in html
    assert reverse("portal:public_new") in html
    assert "Tajny temat" not in html


@pytest.mark.parametrize(
    ("person", "lands_on"),
    [("tomasz", "desk:queue"), ("adam", "portal:home")],
)
def test_sign_in_from_the_portal_front_page_leads_each_person_to_their_room(
    client, request, person, lands_on
):
    from html.parser import HTMLParser

    from tests.conftest import PASSWORD

    class SignInLinks(HTMLParser):
        hrefs: list[str] = []

        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href") or ""
            if tag == "a" and href.startswith(reverse("accounts:login")):
                self.hrefs.append(href)

    links = SignInLinks()
    links.hrefs = []
    links.feed(client.get(HOME).content.decode())
    assert links.hrefs, "the front page offers a sign-in"
    user = request.getfixturevalue(person)
    for href in set(links.hrefs):
        client.logout()
        response = client.post(
            href, {"username": user.email, "password": PASSWORD}, follow=True
        )
        assert response.resolver_match.view_name == lands_on, href


def test_customer_sees_own_tickets_with_number_subject_and_status(
    client_for, adam, bara, open_ticket_for
):
    mine = open_ticket_for(adam, "Drukarka nie drukuje")
    open_ticket_for(bara, "Tiskárna netiskne")
    response = client_for(adam).get(HOME)
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.reference in html
    assert "Drukarka nie drukuje" in html
    assert "Tiskárna netiskne" not in html
    assert "New" in html  # the status, in the customer's words


def test_member_does_not_see_colleagues_tickets_nor_an_organisation_switch(
    client_for, adam, anna, open_ticket_for
):
    open_ticket_for(anna, "Sprawa kierowniczki")
    html = client_for(adam).get(HOME).content.decode()
    assert "Sprawa kierowniczki" not in html
    assert "scope=organization" not in html
    # Asking for the organisation's list anyway shows only his own.
    html = client_for(adam).get(HOME + "?scope=organization").content.decode()
    assert "Sprawa kierowniczki" not in html


def test_manager_switches_between_own_and_organisation_tickets(
    client_for, anna, adam, bara, open_ticket_for
):
    open_ticket_for(anna, "Moje zgłoszenie")
    open_ticket_for(adam, "Zgłoszenie Adama")
    open_ticket_for(bara, "Cizí tiket")
    client = client_for(anna)
    mine = client.get(HOME).content.decode()
    assert "Moje zgłoszenie" in mine
    assert "Zgłoszenie Adama" not in mine
    assert "scope=organization" in mine
    org = client.get(HOME + "?scope=organization").content.decode()
    assert "Moje zgłoszenie" in org
    assert "Zgłoszenie Adama" in org
    assert "Adam Nowak" in org  # whose request it is
    assert "Cizí tiket" not in org


def test_status_filter_and_search_narrow_the_list(client_for, adam, open_ticket_for):
    solved = open_ticket_for(adam, "Rozwiązana sprawa")
    services.customer_set_status(solved, customer=adam, status=Status.RESOLVED)
    open_ticket_for(adam, "Otwarta sprawa")
    client = client_for(adam)
    resolved = client.get(HOME + "?status=resolved").content.decode()
    assert "Rozwiązana sprawa" in resolved
    assert "Otwarta sprawa" not in resolved
    active = client.get(HOME + "?status=active").content.decode()
    assert "Otwarta sprawa" in active
    assert "Rozwiązana sprawa" not in active
    found = client.get(HOME + "?q=otwarta").content.decode()
    assert "Otwarta sprawa" in found
    assert "Rozwiązana sprawa" not in found
    by_number = client.get(HOME + f"?q=%23{solved.number}").content.decode()
    assert "Rozwiązana sprawa" in by_number
    assert "Otwarta sprawa" not in by_number
    nothing = client.get(HOME + "?q=zzz").content.decode()
    assert "No tickets match your search." in nothing


def test_waiting_on_a_third_party_is_shown_to_customers_as_open(
    client_for, adam, tomasz, open_ticket_for
):
    ticket = open_ticket_for(adam)
    services.update_ticket(ticket, actor=tomasz, status=Status.WAITING_THIRD_PARTY)
    html = client_for(adam).get(HOME).content.decode()
    assert "third party" not in html
    assert "status-open" in html


def test_list_is_paginated_newest_update_first(client_for, adam, open_ticket_for):
    for i in range(30):
        open_ticket_for(adam, f"Sprawa numer {i:02d}")
    client = client_for(adam)
    first = client.get(HOME).content.decode()
    assert "Sprawa numer 29" in first
    assert "Sprawa numer 00" not in first
    assert "Page 1 of 2" in first
    second = client.get(HOME + "?page=2").content.decode()
    assert "Sprawa numer 00" in second
    assert "Sprawa numer 29" not in second


@pytest.mark.parametrize("tickets", [3, 40])
def test_list_runs_a_constant_number_of_queries(
    client_for, anna, adam, open_ticket_for, django_assert_num_queries, tickets
):
    for i in range(tickets):
        open_ticket_for(adam if i % 2 else anna, f"Sprawa {i}")
    client = client_for(anna)
    client.get(HOME)  # warm the session and the settings row
    # session, user, managed organisations, count, the page, its requesters
    with django_assert_num_queries(6):
        response = client.get(HOME + "?scope=organization&status=active")
    assert response.status_code == 200


def test_agent_in_the_portal_sees_what_the_desk_scope_allows(
    client_for, sylwia, adam, bara, open_ticket_for
):
    open_ticket_for(adam, "Sprawa A")
    open_ticket_for(bara, "Věc B")
    html = client_for(sylwia).get(HOME).content.decode()
    assert "Sprawa A" in html
    assert "Věc B" in html


def test_a_very_long_list_is_not_counted_to_the_end_and_points_to_search(
    client_for, adam, open_ticket_for, monkeypatch
):
    from podpora.portal import selectors

    monkeypatch.setattr(selectors.CappedPaginator, "cap", 30)
    for i in range(32):
        open_ticket_for(adam, f"Sprawa {i:02d}")
    client = client_for(adam)
    first = client.get(HOME).content.decode()
    assert "Page 1 of many" in first
    last = client.get(HOME + "?page=99").content.decode()
    assert "Page 2 of many" in last
    assert "These are the 30 most recently updated tickets." in last
    assert "Sprawa 31" not in last
    assert "Sprawa 02" in last
    assert "Sprawa 01" not in last  # the 31st and 32nd most recent are past the cap


def test_rows_link_to_the_ticket_escape_the_subject_and_show_changes_at_once(
    client_for, adam, anna, sylwia, open_ticket_for
):
    ticket = open_ticket_for(adam, "<b>Drukarka</b> & skaner")
    client = client_for(anna)
    html = client.get(HOME, {"scope": "organization"}).content.decode()
    url = reverse("portal:ticket", args=[ticket.number])
    assert f'<a href="{url}">{ticket.reference}</a>' in html
    assert "&lt;b&gt;Drukarka&lt;/b&gt; &amp; skaner" in html
    assert "<b>Drukarka" not in html
    assert "<td>Adam Nowak</td>" in html  # the requester, for Anna the manager
    assert '<span class="status status-new">' in html
    services.update_ticket(ticket, actor=sylwia, subject="Skaner naprawiony")
    services.change_status(ticket, Status.WAITING_CUSTOMER, actor=sylwia)
    html = client.get(HOME, {"scope": "organization"}).content.decode()
    assert "Skaner naprawiony" in html
    assert '<span class="status status-waiting">' in html
    # Their own list has no requester column.
    assert "<td>Adam Nowak</td>" not in client_for(adam).get(HOME).content.decode()
