import pytest
from django.test import Client

from tests.core.outage import database_down

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code"),
    [
        ("post", "/api/v1/tickets", "{not json", 400, "bad_request"),
        ("post", "/api/v1/tickets", '{"subject": ""}', 422, "validation_error"),
        (
            "post",
            "/api/v1/tickets",
            '{"subject": "a\\u0000b"}',
            422,
            "validation_error",
        ),
        (
            "post",
            "/api/v1/tickets",
            '{"subject": "x", "priority": 9}',
            422,
            "validation_error",
        ),
        (
            "post",
            "/api/v1/tickets",
            '{"subject": "x", "requester_id": 999999}',
            400,
            "invalid_input",
        ),
        (
            "post",
            "/api/v1/tickets",
            '{"subject": "x", "requester_email": "nope"}',
            400,
            "invalid_email",
        ),
        (
            "get",
            "/api/v1/tickets/99999999999999999999999",
            None,
            422,
            "validation_error",
        ),
        ("get", "/api/v1/tickets/424242", None, 404, "not_found"),
        ("get", "/api/v1/tickets?status=bogus", None, 422, "validation_error"),
        (
            "get",
            "/api/v1/tickets?created_from=yesterday",
            None,
            422,
            "validation_error",
        ),
        ("patch", "/api/v1/tickets/424242", "{}", 404, "not_found"),
    ],
)
def test_bad_input_is_a_json_4xx_with_a_stable_code(
    api_as, tomasz, method, url, body, status, code
):
    api = api_as(tomasz)
    kwargs = {"content_type": "application/json"} if body is not None else {}
    response = (
        getattr(api, method)(url, body, **kwargs)
        if body is not None
        else getattr(api, method)(url)
    )
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["code"] == code
    assert payload["message"]


def test_unknown_assignee_and_non_agent_assignee_are_400(
    api_as, tomasz, anna, open_ticket_for
):
    ticket = open_ticket_for(anna)
    api = api_as(tomasz)
    for assignee in (999999, anna.pk):
        response = api.patch(
            f"/api/v1/tickets/{ticket.number}",
            {"assignee_id": assignee},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_input"


@pytest.mark.parametrize(
    "moment",
    [
        "0137-12-15T01:37:27.2%2B21:01",
        "0001-01-01T00:00:00%2B01:00",
        "2026-11-23T10:00:00",
    ],
)
def test_odd_dates_in_filters_are_handled(api_as, tomasz, moment):
    api = api_as(tomasz)
    for url in ("/api/v1/tickets", "/api/v1/search?q=x&"):
        sep = (
            "&"
            if "?" in url and not url.endswith("&")
            else ("" if url.endswith("&") else "?")
        )
        response = api.get(f"{url}{sep}created_to={moment}")
        assert response.status_code in (200, 422), response.content


def test_a_method_the_endpoint_lacks_is_a_json_405_with_allow(api_as, tomasz):
    response = api_as(tomasz).delete("/api/v1/users/me")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_an_unknown_endpoint_is_a_json_404(api_as, tomasz):
    response = api_as(tomasz).post("/api/v1/no-such-thing", {})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_errors_speak_the_token_owners_language(api_as, anna, bara, tomasz):
    assert api_as(anna).get("/api/v1/tickets/424242").json()["message"] == (
        "Nie znaleziono."
    )
    assert api_as(bara).get("/api/v1/tickets/424242").json()["message"] == (
        "Nenalezeno."
    )
    # No language of his own: the request's Accept-Language.
    answer = api_as(tomasz).get("/api/v1/tickets/424242", HTTP_ACCEPT_LANGUAGE="cs")
    assert answer.json()["message"] == "Nenalezeno."


@pytest.mark.django_db(transaction=True)
def test_a_script_gets_a_translated_json_503_while_the_database_is_down(
    adam, token_for, tmp_path
):
    api = Client(
        headers={"Authorization": f"Bearer {token_for(adam)}", "accept-language": "pl"}
    )
    with database_down(tmp_path):
        response = api.post(
            "/api/v1/tickets", {"subject": "Drukarka"}, content_type="application/json"
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "code": "unavailable",
        "message": "Baza danych jest teraz nieosiągalna. Spróbuj ponownie za chwilę.",
    }


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_browser_calling_the_api_gets_json_not_html_when_the_database_is_down(
    adam, tmp_path
):
    api = Client()
    api.force_login(adam)
    with database_down(tmp_path):
        response = api.get("/api/v1/users/me")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "unavailable"
