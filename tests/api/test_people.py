import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["items"]}


def test_agent_sees_everyone_with_details(
    api_as, tomasz, anna, bara, django_assert_max_num_queries
):
    api = api_as(tomasz)
    api.get("/api/v1/users/me")
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/users")
    assert {anna.pk, bara.pk, tomasz.pk} <= _ids(response)
    anna_out = api.get(f"/api/v1/users/{anna.pk}").json()
    assert anna_out["organizations"][0]["name"].startswith("Kowalski")
    assert "phone" in anna_out


def test_manager_sees_her_organisations_people_member_only_himself(
    api_as, anna, adam, bara
):
    assert _ids(api_as(anna).get("/api/v1/users")) == {anna.pk, adam.pk}
    assert _ids(api_as(adam).get("/api/v1/users")) == {adam.pk}
    assert api_as(adam).get(f"/api/v1/users/{anna.pk}").status_code == 404
    assert api_as(anna).get(f"/api/v1/users/{bara.pk}").status_code == 404
    assert "phone" not in api_as(anna).get(f"/api/v1/users/{adam.pk}").json()


def test_customer_sees_only_their_organisation(api_as, adam, org_a, org_b):
    api = api_as(adam)
    assert _ids(api.get("/api/v1/organizations")) == {org_a.pk}
    assert api.get(f"/api/v1/organizations/{org_b.pk}").status_code == 404
    assert "notes" not in api.get(f"/api/v1/organizations/{org_a.pk}").json()


def test_agent_sees_organisations_with_domains(api_as, tomasz, org_a, org_b):
    api = api_as(tomasz)
    assert _ids(api.get("/api/v1/organizations")) == {org_a.pk, org_b.pk}
    assert api.get(f"/api/v1/organizations/{org_a.pk}").json()["domains"] == [
        "kowalski.pl"
    ]


def test_teams_are_for_agents(api_as, tomasz, adam, service_desk):
    agents = api_as(tomasz).get(f"/api/v1/teams/{service_desk.pk}").json()
    assert agents["agents"][0]["name"] == "Tomasz Wiśniewski"
    assert api_as(adam).get("/api/v1/teams").json()["items"] == []
    assert api_as(adam).get(f"/api/v1/teams/{service_desk.pk}").status_code == 404


def test_ping_needs_no_token(client):
    assert client.get("/api/v1/ping").json() == {"status": "ok"}


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/tickets" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_the_docs_page_needs_no_internet(client):
    page = client.get("/api/v1/docs").text
    # Every script and style sheet comes from this server (a CSRF token may
    # happen to contain "cdn", so look at the addresses, not the words).
    addresses = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert addresses
    assert [a for a in addresses if not a.startswith("/")] == []
    assert "http" not in page.replace("http-equiv", "")
    scripts = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert "vendor/swagger-ui-dist/swagger-ui-bundle.js" in scripts
    for path in scripts:
        assert finders.find(path), path
