import pytest
from django.urls import reverse

from podpora.tickets import services
from podpora.tickets.models import Priority, Status
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def _queue(client, slug, **params):
    return client.get(reverse("desk:queue", args=[slug]), params)


def test_desk_home_sends_an_agent_to_her_default_queue(tomasz_client):
    response = tomasz_client.get(reverse("desk:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:queue", args=["mine"])


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("desk:queue", args=["open"]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        reverse("desk:home"),
        reverse("desk:queue", args=["open"]),
        reverse("desk:intake"),
        reverse("desk:canned_list"),
        reverse("desk:caller_search") + "?q=an",
    ],
)
def test_customers_get_404_on_desk_pages(anna, url):
    assert signed_in(anna).get(url).status_code == 404


def test_customer_gets_404_on_desk_ticket_page_even_for_own_ticket(
    adam, printer_ticket
):
    client = signed_in(adam)
    assert (
        client.get(reverse("desk:ticket", args=[printer_ticket.number])).status_code
        == 404
    )
    response = client.post(
        reverse("desk:ticket_note", args=[printer_ticket.number]), {"body": "x"}
    )
    assert response.status_code == 404


def test_unassigned_queue_lists_new_ticket_of_agents_team(
    tomasz_client, printer_ticket
):
    response = _queue(tomasz_client, "unassigned")
    assert response.status_code == 200
    assert printer_ticket.subject in response.text
    assert printer_ticket.reference in response.text


def test_unassigned_queue_leaves_out_other_teams_tickets(
    tomasz_client, open_ticket_for, adam, infrastructure
):
    open_ticket_for(adam, "Serwer plików padł", team=infrastructure)
    response = _queue(tomasz_client, "unassigned")
    assert "Serwer plików padł" not in response.text


def test_my_queue_shows_only_tickets_assigned_to_me(
    tomasz, tomasz_client, printer_ticket, vpn_ticket
):
    services.assign(printer_ticket, tomasz, actor=tomasz)
    response = _queue(tomasz_client, "mine")
    assert printer_ticket.subject in response.text
    assert vpn_ticket.subject not in response.text


def test_waiting_queue_shows_tickets_waiting_on_customer(
    tomasz, tomasz_client, printer_ticket, vpn_ticket
):
    services.change_status(printer_ticket, Status.WAITING_CUSTOMER, actor=tomasz)
    text = _queue(tomasz_client, "waiting").text
    assert printer_ticket.subject in text
    assert vpn_ticket.subject not in text


def test_team_queue_shows_the_teams_open_tickets(
    tomasz_client, service_desk, printer_ticket
):
    response = tomasz_client.get(reverse("desk:team_queue", args=[service_desk.pk]))
    assert response.status_code == 200
    assert printer_ticket.subject in response.text


def test_agent_cannot_open_queue_of_a_team_she_is_not_in(tomasz_client, infrastructure):
    response = tomasz_client.get(reverse("desk:team_queue", args=[infrastructure.pk]))
    assert response.status_code == 404


def test_unknown_queue_is_404(tomasz_client):
    assert _queue(tomasz_client, "nonsense").status_code == 404


def test_filter_by_priority_and_channel(
    tomasz, tomasz_client, printer_ticket, vpn_ticket
):
    services.update_ticket(vpn_ticket, actor=tomasz, priority=Priority.URGENT)
    text = _queue(tomasz_client, "open", priority=Priority.URGENT).text
    assert vpn_ticket.subject in text
    assert printer_ticket.subject not in text
    text = _queue(tomasz_client, "open", channel="portal").text
    assert printer_ticket.subject in text
    assert vpn_ticket.subject not in text


def test_filter_by_organisation_tag_and_assignee(
    tomasz, tomasz_client, org_a, printer_ticket, vpn_ticket
):
    services.update_ticket(vpn_ticket, actor=tomasz, tags=["VPN"])
    assert printer_ticket.subject not in _queue(tomasz_client, "open", tag="vpn").text
    assert vpn_ticket.subject in _queue(tomasz_client, "open", tag="vpn").text
    text = _queue(tomasz_client, "open", organization=org_a.pk).text
    assert printer_ticket.subject in text
    assert vpn_ticket.subject not in text
    services.assign(vpn_ticket, tomasz, actor=tomasz)
    text = _queue(tomasz_client, "open", assignee="none").text
    assert printer_ticket.subject in text
    assert vpn_ticket.subject not in text
    text = _queue(tomasz_client, "open", assignee=str(tomasz.pk)).text
    assert vpn_ticket.subject in text
    assert printer_ticket.subject not in text


def test_filter_by_created_date_range(tomasz_client, printer_ticket):
    today = printer_ticket.created_at.date()
    assert (
        printer_ticket.subject
        in _queue(tomasz_client, "open", created_from=today.isoformat()).text
    )
    assert (
        printer_ticket.subject
        not in _queue(tomasz_client, "open", created_to="2000-01-01").text
    )


def test_sort_by_priority_puts_urgent_first(
    tomasz, tomasz_client, printer_ticket, vpn_ticket
):
    services.update_ticket(printer_ticket, actor=tomasz, priority=Priority.URGENT)
    text = _queue(tomasz_client, "open", sort="-priority").text
    assert text.index(printer_ticket.subject) < text.index(vpn_ticket.subject)
    text = _queue(tomasz_client, "open", sort="priority").text
    assert text.index(vpn_ticket.subject) < text.index(printer_ticket.subject)


def test_unknown_sort_column_falls_back_to_default(tomasz_client, printer_ticket):
    response = _queue(tomasz_client, "open", sort="requester__password")
    assert response.status_code == 200
    assert printer_ticket.subject in response.text


def test_queue_paginates_by_fifty(sylwia_client, open_ticket_for, adam):
    for i in range(51):
        open_ticket_for(adam, f"Ticket number {i:02d}")
    first = _queue(sylwia_client, "open", sort="number")
    assert "Ticket number 00" in first.text
    assert "Ticket number 50" not in first.text
    assert 'rel="next"' in first.text
    second = _queue(sylwia_client, "open", sort="number", page=2)
    assert "Ticket number 50" in second.text
    assert 'rel="next"' not in second.text


def test_queue_page_runs_a_constant_number_of_queries(
    sylwia,
    sylwia_client,
    open_ticket_for,
    adam,
    bara,
    service_desk,
    django_assert_max_num_queries,
):
    for i in range(3):
        open_ticket_for(adam, f"Small {i}", team=service_desk, tags=["a", "b"])
    with django_assert_max_num_queries(20) as small:
        _queue(sylwia_client, "open")
    for i in range(60):
        services.assign(
            open_ticket_for(bara, f"Large {i}", team=service_desk, tags=["c"]),
            sylwia,
            actor=sylwia,
        )
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = _queue(sylwia_client, "open")
    assert response.text.count('class="row ') == 50


def test_sidebar_counts_stop_at_the_cap(
    sylwia_client, open_ticket_for, adam, monkeypatch
):
    from podpora.desk import queues

    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    for i in range(3):
        open_ticket_for(adam, f"Capped {i}")
    text = _queue(sylwia_client, "open").text
    assert '<span class="badge">2+</span>' in text


def test_sidebar_counts_are_cached_briefly_and_refreshed_after_own_change(
    tomasz, tomasz_client, printer_ticket, open_ticket_for, adam
):
    assert '<span class="badge">1</span>' in _queue(tomasz_client, "unassigned").text
    open_ticket_for(adam, "Another one")
    # Someone else's new ticket shows after the cache expires ...
    assert '<span class="badge">2</span>' not in _queue(tomasz_client, "open").text
    # ... but the agent's own change refreshes her counts at once.
    tomasz_client.post(reverse("desk:ticket_take", args=[printer_ticket.number]))
    text = _queue(tomasz_client, "mine").text
    assert '<span class="badge">2</span>' in text  # all open


def test_bulk_assign_and_close_report_per_ticket_errors(
    sylwia, sylwia_client, tomasz, printer_ticket, vpn_ticket
):
    services.close_ticket(vpn_ticket, actor=sylwia)
    response = sylwia_client.post(
        reverse("desk:bulk"),
        {
            "tickets": [printer_ticket.number, vpn_ticket.number, 999999],
            "action": "status",
            "status": Status.WAITING_CUSTOMER,
            "next": reverse("desk:queue", args=["open"]),
        },
        follow=True,
    )
    printer_ticket.refresh_from_db()
    assert printer_ticket.status == Status.WAITING_CUSTOMER
    text = response.text
    assert "1 ticket changed." in text
    assert f"{vpn_ticket.reference}:" in text
    assert "#999999" in text


def test_bulk_assign_to_an_agent(sylwia_client, tomasz, printer_ticket, vpn_ticket):
    sylwia_client.post(
        reverse("desk:bulk"),
        {
            "tickets": [printer_ticket.number, vpn_ticket.number],
            "action": "assign",
            "assignee": str(tomasz.pk),
        },
    )
    printer_ticket.refresh_from_db()
    vpn_ticket.refresh_from_db()
    assert printer_ticket.assignee == tomasz
    assert vpn_ticket.assignee == tomasz


def test_bulk_close(sylwia_client, printer_ticket):
    sylwia_client.post(
        reverse("desk:bulk"),
        {"tickets": [printer_ticket.number], "action": "close"},
    )
    printer_ticket.refresh_from_db()
    assert printer_ticket.status == Status.CLOSED


def test_agent_without_bulk_right_cannot_bulk_edit(tomasz_client, printer_ticket):
    response = tomasz_client.post(
        reverse("desk:bulk"),
        {"tickets": [printer_ticket.number], "action": "close"},
        follow=True,
    )
    printer_ticket.refresh_from_db()
    assert printer_ticket.status == Status.NEW
    assert "not allowed" in response.text


def test_jump_to_ticket_by_number(tomasz_client, printer_ticket):
    response = tomasz_client.get(
        reverse("desk:go"), {"number": f"#{printer_ticket.number}"}
    )
    assert response["Location"] == reverse("desk:ticket", args=[printer_ticket.number])


@pytest.mark.parametrize(
    "target", ["https://evil.test/", "//evil.test/", "/\\evil.test"]
)
def test_bulk_never_redirects_off_site(sylwia_client, printer_ticket, target):
    response = sylwia_client.post(
        reverse("desk:bulk"),
        {"tickets": [printer_ticket.number], "action": "close", "next": target},
    )
    assert response["Location"] == reverse("desk:home")


def test_queue_page_never_counts_the_whole_table(
    sylwia_client, tomasz_client, printer_ticket, django_assert_max_num_queries
):
    """The sidebar adds up kept counts; what it still counts from tickets
    ("Recently updated", an agent's watched tickets) stops at the cap or
    starts from the agent's own watch list."""
    from django.core.cache import cache

    for client in (sylwia_client, tomasz_client):
        cache.clear()
        with django_assert_max_num_queries(30) as captured:
            _queue(client, "open")
        sqls = [q["sql"] for q in captured.captured_queries]
        assert any("desk_queuecount" in sql for sql in sqls)
        counts = [sql for sql in sqls if "COUNT(" in sql]
        assert counts, "the sidebar counts were not computed"
        for sql in counts:
            # Over a LIMITed subquery, or over one agent's watched tickets.
            assert "LIMIT 1000" in sql or 'FROM "tickets_ticket_watchers"' in sql, sql


def test_a_pages_filter_narrows_its_queue_and_never_widens_it(
    tomasz, tomasz_client, printer_ticket
):
    """ "All open" filtered on "Resolved" shows nothing, not resolved tickets."""
    services.update_ticket(printer_ticket, actor=tomasz, status=Status.RESOLVED)
    text = _queue(tomasz_client, "recent", status="resolved").text
    assert printer_ticket.subject in text
    assert (
        printer_ticket.subject
        not in _queue(tomasz_client, "open", status="resolved").text
    )


def test_a_wrong_filter_opens_the_panel_with_its_message(tomasz_client, printer_ticket):
    response = _queue(tomasz_client, "open", created_to="0.5")
    assert response.status_code == 200
    assert '<details class="filters card" open>' in response.text
    assert "a number of days ago (7d)" in response.text
    assert printer_ticket.subject in response.text
