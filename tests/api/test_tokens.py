import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from podpora.api.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.login(email=user.email, password=PASSWORD)
    return client


def test_person_creates_a_token_in_the_ui_and_sees_the_secret_once(adam):
    client = _signed_in(adam)
    response = client.post(
        reverse("api_tokens"), {"name": "Intranet", "scope": "write"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("api_tokens")
    secret = response.context["new_secret"]
    assert secret.startswith("pdp_")
    assert secret in response.content.decode()
    token = ApiToken.objects.get(user=adam)
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.prefix, token.secret_hash)
    assert secret.startswith(token.prefix)

    again = client.get(reverse("api_tokens"))
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_token_works_until_revoked_in_the_ui(adam):
    client = _signed_in(adam)
    secret = client.post(
        reverse("api_tokens"), {"name": "Script", "scope": "read"}, follow=True
    ).context["new_secret"]
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/users/me").json()["email"] == adam.email
    token = ApiToken.objects.get(user=adam)
    assert token.last_used_at is not None

    client.post(reverse("api_token_revoke", args=[token.pk]))
    response = api.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_nobody_revokes_someone_elses_token(adam, anna, token_for):
    secret = token_for(anna)
    token = ApiToken.objects.get(user=anna)
    _signed_in(adam).post(reverse("api_token_revoke", args=[token.pk]))
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/users/me").status_code == 200


def test_token_page_needs_a_signed_in_person(client):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302


def test_token_without_a_name_is_refused_with_a_form_error(adam):
    response = _signed_in(adam).post(
        reverse("api_tokens"), {"name": " ", "scope": "read"}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_read_only_token_cannot_write(api_as, adam):
    api = api_as(adam, scope="read")
    assert api.get("/api/v1/tickets").status_code == 200
    response = api.post(
        "/api/v1/tickets",
        {"subject": "Nie działa VPN", "body_text": "Od rana."},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"


def test_garbage_token_is_unauthorized(client):
    response = client.get(
        "/api/v1/tickets", headers={"Authorization": "Bearer pdp_nope_nope"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthorized",
        "message": "Sign in or send an API token.",
    }


def test_rate_limit_answers_429_with_retry_after(api_as, adam, settings):
    settings.PODPORA_API_RATE_LIMIT = 3
    api = api_as(adam)
    assert [api.get("/api/v1/users/me").status_code for _ in range(3)] == [200] * 3
    response = api.get("/api/v1/users/me")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 61


def test_rate_limit_is_per_token(api_as, adam, anna, settings):
    settings.PODPORA_API_RATE_LIMIT = 1
    first, second = api_as(adam), api_as(anna)
    assert first.get("/api/v1/users/me").status_code == 200
    assert first.get("/api/v1/users/me").status_code == 429
    assert second.get("/api/v1/users/me").status_code == 200


def test_web_session_may_call_the_api_and_writes_need_the_csrf_token(adam):
    client = Client(enforce_csrf_checks=True)
    client.login(email=adam.email, password=PASSWORD)
    assert client.get("/api/v1/users/me").json()["email"] == adam.email
    without = client.post(
        "/api/v1/tickets",
        {"subject": "Brak CSRF"},
        content_type="application/json",
    )
    assert without.status_code == 403
    assert without.json()["code"] == "csrf_failed"

    client.get(reverse("api_tokens"))  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    with_token = client.post(
        "/api/v1/tickets",
        {"subject": "Z CSRF", "body_text": "Treść."},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert with_token.status_code == 201


def test_token_of_a_deactivated_person_stops_working(api_as, adam):
    api = api_as(adam)
    adam.is_active = False
    adam.save()
    assert api.get("/api/v1/users/me").status_code == 401


def test_visitors_behind_a_trusted_proxy_have_separate_api_limits(db, settings):
    settings.PODPORA_API_RATE_LIMIT = 1
    settings.PODPORA_TRUSTED_PROXIES = ["10.9.0.1"]
    proxy = Client(REMOTE_ADDR="10.9.0.1")
    one = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    two = {"HTTP_X_FORWARDED_FOR": "203.0.113.6"}
    assert proxy.get("/api/v1/kb/articles", **one).status_code == 200
    assert proxy.get("/api/v1/kb/articles", **one).status_code == 429
    assert proxy.get("/api/v1/kb/articles", **two).status_code == 200
    # Not from the proxy: the header is the caller's own word and is ignored.
    spoofer = Client(REMOTE_ADDR="198.51.100.9")
    assert spoofer.get("/api/v1/kb/articles", **one).status_code == 200
    assert spoofer.get("/api/v1/kb/articles", **two).status_code == 429
