"""Organisations, customers and teams written through the API, with the
rights of the UI: any agent adds a customer as a member (as an invitation
does); the rest is for administrators (the administration pages)."""

import pytest

from podpora.accounts.models import Membership, MembershipRole, Organization, Team, User

pytestmark = pytest.mark.django_db

JSON = {"content_type": "application/json"}


def test_an_administrator_syncs_a_client_company(api_as, alicja):
    api = api_as(alicja)
    created = api.post(
        "/api/v1/organizations",
        {"name": "Dvořák IT s.r.o.", "domains": ["@Dvorak.CZ", "dvorak-it.cz"]},
        **JSON,
    )
    assert created.status_code == 201, created.json()
    org = created.json()
    assert sorted(org["domains"]) == ["dvorak-it.cz", "dvorak.cz"]
    changed = api.patch(
        f"/api/v1/organizations/{org['id']}",
        {"domains": ["dvorak.cz"], "notes": "Smlouva 2027"},
        **JSON,
    ).json()
    assert changed["domains"] == ["dvorak.cz"]
    assert changed["notes"] == "Smlouva 2027"
    assert changed["name"] == "Dvořák IT s.r.o."
    assert api.delete(f"/api/v1/organizations/{org['id']}").status_code == 204
    assert Organization.objects.get(pk=org["id"]).is_active is False


def test_a_taken_name_or_domain_is_a_conflict_and_a_bad_domain_a_400(
    api_as, alicja, org_a, org_b
):
    api = api_as(alicja)
    taken = api.post("/api/v1/organizations", {"name": org_b.name}, **JSON)
    assert (taken.status_code, taken.json()["code"]) == (409, "conflict")
    stolen = api.patch(
        f"/api/v1/organizations/{org_b.pk}", {"domains": ["kowalski.pl"]}, **JSON
    )
    assert (stolen.status_code, stolen.json()["code"]) == (409, "conflict")
    assert list(org_b.domains.values_list("domain", flat=True)) == ["novak.cz"]
    bad = api.post(
        "/api/v1/organizations", {"name": "X", "domains": ["not a domain"]}, **JSON
    )
    assert bad.status_code == 400
    assert not Organization.objects.filter(name="X").exists()


@pytest.mark.parametrize("persona", ["tomasz", "anna", "adam"])
def test_only_supervisors_and_administrators_create_or_change_organisations(
    request, api_as, org_a, persona
):
    api = api_as(request.getfixturevalue(persona))
    created = api.post("/api/v1/organizations", {"name": "Nowa"}, **JSON)
    assert created.status_code == 403
    assert created.json()["code"] == "not_allowed"
    changed = api.patch(f"/api/v1/organizations/{org_a.pk}", {"name": "Inna"}, **JSON)
    assert changed.status_code == 403
    assert api.delete(f"/api/v1/organizations/{org_a.pk}").status_code == 403
    org_a.refresh_from_db()
    assert (org_a.name, org_a.is_active) == ("Kowalski Logistyka sp. z o.o.", True)


def test_an_agent_adds_a_customer_who_lands_in_the_domains_organisation(
    api_as, tomasz, org_a
):
    response = api_as(tomasz).post(
        "/api/v1/users",
        {"email": "Ewa@Kowalski.pl", "name": "Ewa Lis", "language": "pl"},
        **JSON,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "ewa@kowalski.pl"
    assert [o["id"] for o in body["organizations"]] == [org_a.pk]
    assert body["agent_role"] == ""


def test_an_existing_address_is_a_conflict(api_as, tomasz, adam):
    response = api_as(tomasz).post("/api/v1/users", {"email": adam.email}, **JSON)
    assert (response.status_code, response.json()["code"]) == (409, "conflict")


def test_making_a_manager_takes_an_administrator(api_as, tomasz, alicja, org_b):
    data = {"email": "jan@novak.cz", "organization_id": org_b.pk, "role": "manager"}
    refused = api_as(tomasz).post("/api/v1/users", data, **JSON)
    assert refused.status_code == 403
    assert not User.objects.filter(email="jan@novak.cz").exists()
    assert api_as(alicja).post("/api/v1/users", data, **JSON).status_code == 201
    assert Membership.objects.get(user__email="jan@novak.cz").role == "manager"


def test_customers_cannot_add_people(api_as, anna, org_a):
    response = api_as(anna).post(
        "/api/v1/users",
        {"email": "kolega@kowalski.pl", "organization_id": org_a.pk},
        **JSON,
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="kolega@kowalski.pl").exists()


def test_an_administrator_changes_and_deactivates_a_customer(api_as, alicja, adam):
    api = api_as(alicja)
    changed = api.patch(
        f"/api/v1/users/{adam.pk}",
        {"name": "Adam Nowak-Wiśniewski", "phone": "+48 600 100 200"},
        **JSON,
    ).json()
    assert changed["name"] == "Adam Nowak-Wiśniewski"
    assert changed["phone"] == "+48 600 100 200"
    assert api.delete(f"/api/v1/users/{adam.pk}").status_code == 204
    adam.refresh_from_db()
    assert adam.is_active is False


@pytest.mark.parametrize("persona", ["tomasz", "anna"])
def test_agents_and_managers_cannot_change_customers(request, api_as, adam, persona):
    api = api_as(request.getfixturevalue(persona))
    changed = api.patch(f"/api/v1/users/{adam.pk}", {"name": "Ktoś"}, **JSON)
    assert changed.status_code == 403
    assert api.delete(f"/api/v1/users/{adam.pk}").status_code == 403
    adam.refresh_from_db()
    assert (adam.full_name, adam.is_active) == ("Adam Nowak", True)


def test_agents_accounts_are_not_changed_through_the_customer_endpoints(
    api_as, alicja, tomasz
):
    response = api_as(alicja).delete(f"/api/v1/users/{tomasz.pk}")
    assert response.status_code == 403
    tomasz.refresh_from_db()
    assert tomasz.is_active


def test_memberships_follow_the_same_rights(api_as, tomasz, alicja, adam, org_b):
    url = f"/api/v1/users/{adam.pk}/memberships/{org_b.pk}"
    assert api_as(tomasz).put(url, {"role": "manager"}, **JSON).status_code == 403
    added = api_as(tomasz).put(url, {"role": "member"}, **JSON)
    assert added.status_code == 200
    assert org_b.pk in [o["id"] for o in added.json()["organizations"]]
    assert api_as(alicja).put(url, {"role": "manager"}, **JSON).status_code == 200
    # Unmaking a manager, or taking someone out, is an administrator's too.
    assert api_as(tomasz).put(url, {"role": "member"}, **JSON).status_code == 403
    assert api_as(tomasz).delete(url).status_code == 403
    assert api_as(alicja).delete(url).status_code == 204
    assert not Membership.objects.filter(user=adam, organization=org_b).exists()


def test_a_manager_cannot_promote_a_colleague(api_as, anna, adam, org_a):
    url = f"/api/v1/users/{adam.pk}/memberships/{org_a.pk}"
    assert api_as(anna).put(url, {"role": "manager"}, **JSON).status_code == 403
    assert Membership.objects.get(user=adam).role == MembershipRole.MEMBER


def test_an_administrator_builds_a_team(api_as, alicja, tomasz, petra, infrastructure):
    api = api_as(alicja)
    created = api.post(
        "/api/v1/teams",
        {
            "name": "Sieć",
            "tier": 2,
            "agent_ids": [tomasz.pk, petra.pk],
            "lead_id": petra.pk,
            "escalation_team_id": infrastructure.pk,
        },
        **JSON,
    )
    assert created.status_code == 201, created.json()
    team = created.json()
    assert {a["id"] for a in team["agents"]} == {tomasz.pk, petra.pk}
    assert team["lead"]["id"] == petra.pk
    changed = api.patch(
        f"/api/v1/teams/{team['id']}",
        {"agent_ids": [petra.pk], "lead_id": None},
        **JSON,
    ).json()
    assert [a["id"] for a in changed["agents"]] == [petra.pk]
    assert changed["lead"] is None
    assert changed["escalation_team_id"] == infrastructure.pk
    assert api.delete(f"/api/v1/teams/{team['id']}").status_code == 204
    assert Team.objects.get(pk=team["id"]).is_active is False


def test_a_customer_cannot_be_put_in_a_team(api_as, alicja, adam):
    response = api_as(alicja).post(
        "/api/v1/teams", {"name": "Klienci", "agent_ids": [adam.pk]}, **JSON
    )
    assert response.status_code == 400
    assert not Team.objects.filter(name="Klienci").exists()


@pytest.mark.parametrize(("persona", "status"), [("tomasz", 403), ("anna", 404)])
def test_only_administrators_change_teams(
    request, api_as, service_desk, persona, status
):
    api = api_as(request.getfixturevalue(persona))
    assert api.post("/api/v1/teams", {"name": "Nowy"}, **JSON).status_code == 403
    url = f"/api/v1/teams/{service_desk.pk}"
    assert api.patch(url, {"name": "Inny"}, **JSON).status_code == status
    assert api.delete(url).status_code == status
    service_desk.refresh_from_db()
    assert (service_desk.name, service_desk.is_active) == ("Service Desk", True)


def test_a_read_only_token_cannot_write(api_as, alicja):
    response = api_as(alicja, "read").post(
        "/api/v1/organizations", {"name": "Nowa"}, **JSON
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(name="Nowa").exists()


def test_a_supervisor_keeps_the_client_directory(api_as, sylwia, org_a):
    api = api_as(sylwia)
    created = api.post(
        "/api/v1/organizations",
        {"name": "Dvořák Stavby", "domains": ["dvorak.cz"]},
        **JSON,
    )
    assert created.status_code == 201
    changed = api.patch(f"/api/v1/organizations/{org_a.pk}", {"notes": "VIP"}, **JSON)
    assert changed.status_code == 200
    org_a.refresh_from_db()
    assert org_a.notes == "VIP"


def test_refusals_speak_the_callers_language(api_as, anna, org_a):
    response = api_as(anna).post("/api/v1/organizations", {"name": "Nowa"}, **JSON)
    assert response.json()["message"] == (
        "Tylko kierownicy i administratorzy mogą zarządzać klientami."
    )
