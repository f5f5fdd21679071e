"""The client directory: Sylwia (supervisor) keeps Kowalski Logistyka's and
Novák Strojírny's records in the app; Tomasz (agent) may not; customers never
reach it."""

import pytest
from django.test import Client
from django.utils import translation

from podpora.accounts.models import MembershipRole, Organization, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.login(email=user.email, password=PASSWORD)
    return client


def test_the_list_finds_a_client_by_name_or_domain_with_counts(
    sylwia, anna, adam, bara, org_a, org_b, open_ticket_for
):
    open_ticket_for(anna, "Drukarka nie drukuje")
    open_ticket_for(adam, "VPN nie działa")
    page = _client(sylwia).get("/desk/clients/")
    assert page.status_code == 200
    rows = page.context["page"].object_list
    figures = {o.name: (o.people, o.open_tickets) for o in rows}
    assert figures == {org_a.name: (2, 2), org_b.name: (1, 0)}

    by_domain = _client(sylwia).get("/desk/clients/", {"q": "@novak.cz"})
    assert [o.name for o in by_domain.context["page"].object_list] == [org_b.name]
    by_name = _client(sylwia).get("/desk/clients/", {"q": "kowalski"})
    assert [o.name for o in by_name.context["page"].object_list] == [org_a.name]


def test_agents_and_customers_do_not_reach_the_directory(tomasz, anna, org_a, client):
    assert _client(tomasz).get("/desk/clients/").status_code == 404
    assert _client(tomasz).get(f"/desk/clients/{org_a.pk}/").status_code == 404
    assert _client(anna).get(f"/desk/clients/{org_a.pk}/").status_code == 404
    assert client.get("/desk/clients/").status_code == 302  # to sign-in
    # Nor can they write through it.
    response = _client(tomasz).post(
        f"/desk/clients/{org_a.pk}/edit/", {"name": "Hijacked", "is_active": "on"}
    )
    assert response.status_code == 404
    org_a.refresh_from_db()
    assert org_a.name == "Kowalski Logistyka sp. z o.o."


def test_a_supervisor_adds_a_client_with_domains_and_notes(sylwia):
    response = _client(sylwia).post(
        "/desk/clients/new/",
        {
            "name": "Dvořák Stavby s.r.o.",
            "domains": "dvorak-stavby.cz, @Dvorak.CZ",
            "notes": "Call Mr Dvořák before any restart.",
        },
    )
    created = Organization.objects.get(name="Dvořák Stavby s.r.o.")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/clients/{created.pk}/"
    assert sorted(created.domains.values_list("domain", flat=True)) == [
        "dvorak-stavby.cz",
        "dvorak.cz",
    ]
    page = _client(sylwia).get(response["Location"])
    assert "Call Mr Dvořák before any restart." in page.content.decode()


def test_a_domain_of_another_client_is_refused_and_nothing_is_saved(
    sylwia, org_a, org_b
):
    with translation.override("pl"):
        response = _client(sylwia).post(
            f"/desk/clients/{org_b.pk}/edit/",
            {
                "name": "Novák Strojírny a.s.",
                "domains": "novak.cz kowalski.pl",
                "notes": "x",
            },
            HTTP_ACCEPT_LANGUAGE="pl",
        )
    assert response.status_code == 400
    assert "należy do innej organizacji" in response.content.decode()
    org_b.refresh_from_db()
    assert org_b.notes == ""
    assert list(org_b.domains.values_list("domain", flat=True)) == ["novak.cz"]


def test_a_supervisor_adds_a_person_makes_a_manager_and_deactivates(
    sylwia, org_a, anna
):
    client = _client(sylwia)
    client.post(
        f"/desk/clients/{org_a.pk}/people/",
        {"email": "marek@kowalski.pl", "full_name": "Marek Lis", "manager": "on"},
    )
    marek = User.objects.get(email="marek@kowalski.pl")
    assert marek.memberships.get().role == MembershipRole.MANAGER

    client.post(f"/desk/clients/{org_a.pk}/people/{marek.pk}/", {"action": "member"})
    assert marek.memberships.get().role == MembershipRole.MEMBER
    client.post(
        f"/desk/clients/{org_a.pk}/people/{marek.pk}/", {"action": "deactivate"}
    )
    marek.refresh_from_db()
    assert not marek.is_active
    # A deactivated customer can no longer sign in.
    assert not Client().login(email=marek.email, password=PASSWORD)


def test_a_person_of_another_client_cannot_be_changed_through_this_one(
    sylwia, org_a, bara
):
    response = _client(sylwia).post(
        f"/desk/clients/{org_a.pk}/people/{bara.pk}/", {"action": "deactivate"}
    )
    assert response.status_code == 404
    bara.refresh_from_db()
    assert bara.is_active


def test_the_client_page_shows_people_open_tickets_and_this_month(
    sylwia, anna, adam, org_a, open_ticket_for
):
    ticket = open_ticket_for(anna, "Serwer plików nie odpowiada")
    page = _client(sylwia).get(f"/desk/clients/{org_a.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert anna.email in body
    assert adam.email in body
    assert f"#{ticket.number}" in body
    assert page.context["month"].opened == 1


def test_the_page_speaks_czech(sylwia, org_b):
    body = (
        _client(sylwia)
        .get(f"/desk/clients/{org_b.pk}/", HTTP_ACCEPT_LANGUAGE="cs")
        .content.decode()
    )
    assert "Poznámky pro agenty" in body
    assert "Přidat osobu" in body
