"""Saved views: an agent keeps the page's filters and sort under a name, for
herself or shared with one of her teams; the sidebar lists each with its
count, and a view shows only what its viewer may see."""

import re

import pytest
from django.urls import reverse

from podpora.desk.models import SavedView
from podpora.tickets import services
from podpora.tickets.models import Priority
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def kasia(tomasz, service_desk):
    """Tomasz's colleague in the Service Desk team."""
    user = type(tomasz).objects.create_user(
        email="kasia@podpora.test",
        password="x",
        full_name="Kasia Nowak",
        agent_role=tomasz.agent_role,
    )
    service_desk.agents.add(user)
    return user


def _save(client, name, *, query, sort="", team=None, next_url="/desk/"):
    return client.post(
        reverse("desk:view_create"),
        {
            "name": name,
            "query": query,
            "sort": sort,
            "team": team or "",
            "next": next_url,
        },
    )


def _sidebar_link(text: str, name: str) -> re.Match | None:
    return re.search(
        rf'<a href="/desk/views/(\d+)/"[^>]*><span>{re.escape(name)}</span> '
        r'<span class="badge">(\d+\+?)</span>',
        text,
    )


def test_the_save_form_carries_the_queues_filter_and_the_pages_as_one(
    tomasz_client, printer_ticket
):
    text = tomasz_client.get(
        reverse("desk:queue", args=["unassigned"]), {"priority": "4", "sort": "number"}
    ).text
    query = re.search(r'name="query" value="([^"]*)"', text).group(1)
    assert query == (
        "status=new&amp;status=open&amp;status=waiting_customer&amp;"
        "status=waiting_third_party&amp;priority=4&amp;team=mine&amp;assignee=none"
    )
    assert 'name="sort" value="number"' in text


def test_an_agent_saves_a_personal_view_that_lists_its_tickets_with_a_count(
    tomasz, tomasz_client, printer_ticket, vpn_ticket
):
    services.update_ticket(vpn_ticket, actor=tomasz, priority=Priority.URGENT)
    response = _save(tomasz_client, "Pilne", query="priority=4", sort="-number")
    view = SavedView.objects.get()
    assert response["Location"] == reverse("desk:saved_view", args=[view.pk])
    assert (view.owner, view.team, view.query, view.sort) == (
        tomasz,
        None,
        "priority=4",
        "-number",
    )
    page = tomasz_client.get(response["Location"]).text
    assert vpn_ticket.subject in page
    assert printer_ticket.subject not in page
    link = _sidebar_link(page, "Pilne")
    assert link
    assert link.group(2) == "1"
    assert 'aria-current="page"><span>Pilne</span>' in page


def test_a_personal_view_is_its_owners_alone(
    tomasz, tomasz_client, sylwia, petra, printer_ticket
):
    _save(tomasz_client, "Moje", query="status=new")
    view = SavedView.objects.get()
    for other in (sylwia, petra):
        client = signed_in(other)
        assert "Moje" not in client.get(reverse("desk:queue", args=["open"])).text
        assert client.get(reverse("desk:saved_view", args=[view.pk])).status_code == 404


def test_a_shared_view_shows_to_the_team_and_not_to_another_team(
    tomasz_client, kasia, petra, service_desk, printer_ticket
):
    _save(tomasz_client, "Nowe w zespole", query="status=new", team=service_desk.pk)
    view = SavedView.objects.get()
    assert view.team == service_desk
    text = signed_in(kasia).get(reverse("desk:queue", args=["open"])).text
    link = _sidebar_link(text, "Nowe w zespole")
    assert link
    assert link.group(2) == "1"
    client = signed_in(petra)
    assert "Nowe w zespole" not in client.get(reverse("desk:queue", args=["open"])).text
    assert client.get(reverse("desk:saved_view", args=[view.pk])).status_code == 404


def test_a_view_shows_only_what_its_viewer_may_see_and_me_is_the_viewer(
    tomasz, sylwia, sylwia_client, service_desk, infrastructure, open_ticket_for, bara
):
    routed = open_ticket_for(bara, "Infrastructure only", team=infrastructure)
    mine = open_ticket_for(bara, "Assigned to Tomasz", team=service_desk)
    services.assign(mine, tomasz, actor=sylwia)
    services.assign(routed, sylwia, actor=sylwia)
    # Sylwia (who sees everything) shares "assigned to me" with the Service Desk.
    service_desk.agents.add(sylwia)
    _save(
        sylwia_client, "Przypisane do mnie", query="assignee=me", team=service_desk.pk
    )
    view = SavedView.objects.get()
    url = reverse("desk:saved_view", args=[view.pk])
    assert routed.subject in sylwia_client.get(url).text
    text = signed_in(tomasz).get(url).text
    assert mine.subject in text
    assert routed.subject not in text
    # A view of everything shows each viewer only their own scope.
    _save(sylwia_client, "Wszystko", query="", team=service_desk.pk)
    url = reverse("desk:saved_view", args=[SavedView.objects.get(name="Wszystko").pk])
    assert routed.subject in sylwia_client.get(url).text
    text = signed_in(tomasz).get(url).text
    assert mine.subject in text
    assert routed.subject not in text


def test_an_agent_cannot_share_a_view_with_a_team_she_is_not_in(
    tomasz_client, infrastructure
):
    response = _save(tomasz_client, "Cudze", query="", team=infrastructure.pk)
    assert response.status_code == 302
    assert not SavedView.objects.exists()
    page = tomasz_client.get(response["Location"], follow=True).text
    assert "You can share a view only with a team of yours." in page


def test_a_bad_name_or_filter_is_refused_with_a_message(tomasz_client):
    page = _save(tomasz_client, "   ", query="status=open")
    assert not SavedView.objects.exists()
    assert (
        "Give the view a name." in tomasz_client.get(page["Location"], follow=True).text
    )
    page = _save(tomasz_client, "Zła data", query="created_to=0.5")
    assert not SavedView.objects.exists()
    assert "7d" in tomasz_client.get(page["Location"], follow=True).text


def test_the_owner_renames_and_deletes_a_view_and_others_cannot(
    tomasz_client, kasia, service_desk, sylwia
):
    _save(tomasz_client, "Stara nazwa", query="status=new", team=service_desk.pk)
    view = SavedView.objects.get()
    other = signed_in(kasia)
    other.post(reverse("desk:view_rename", args=[view.pk]), {"name": "Przejęta"})
    other.post(reverse("desk:view_delete", args=[view.pk]))
    view.refresh_from_db()
    assert view.name == "Stara nazwa"
    assert (
        "Rename or delete this view"
        not in other.get(reverse("desk:saved_view", args=[view.pk])).text
    )
    tomasz_client.post(reverse("desk:view_rename", args=[view.pk]), {"name": "Nowa"})
    view.refresh_from_db()
    assert view.name == "Nowa"
    # A supervisor manages shared views too.
    signed_in(sylwia).post(reverse("desk:view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_a_saved_view_page_keeps_a_query_count_bound(
    tomasz,
    tomasz_client,
    open_ticket_for,
    adam,
    service_desk,
    django_assert_max_num_queries,
):
    for i in range(3):
        open_ticket_for(adam, f"Small {i}", team=service_desk, tags=["a"])
    _save(tomasz_client, "Wszystkie", query="team=mine")
    url = reverse("desk:saved_view", args=[SavedView.objects.get().pk])
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(20) as small:
        tomasz_client.get(url)
    for i in range(55):
        open_ticket_for(adam, f"Large {i}", team=service_desk, tags=["b", "c"])
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = tomasz_client.get(url)
    assert response.text.count('class="row ') == 50


def test_the_demo_has_a_personal_and_a_shared_view():
    from podpora.core import demo

    demo.load(tickets=5)
    demo.load(tickets=0)  # loading again adds no second copy
    views = SavedView.objects.all()
    assert sorted(v.is_shared for v in views) == [False, True]
    tomasz = views[0].owner
    text = signed_in(tomasz).get(reverse("desk:queue", args=["open"])).text
    for view in views:
        assert _sidebar_link(text, view.name)


def test_a_stored_value_the_language_no_longer_accepts_is_left_out(
    tomasz, tomasz_client, printer_ticket
):
    view = SavedView.objects.create(
        owner=tomasz, name="Stary", query="status=new&priority=99"
    )
    response = tomasz_client.get(reverse("desk:saved_view", args=[view.pk]))
    assert response.status_code == 200
    assert printer_ticket.subject in response.text
