"""The 403, 404 and 500 pages are the app's own: its layout, its languages and
links onward."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


def _client(user=None, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def test_an_agent_who_mistypes_an_address_keeps_the_desk_navigation(tomasz):
    response = _client(tomasz).get("/desk/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert f'href="{reverse("desk:intake")}"' in html  # the desk's top bar
    assert "Back to the queues" in html


def test_a_polish_customer_gets_a_polish_404_with_the_portal_around_it(anna):
    response = _client(anna, "pl").get("/portal/tickets/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Nie znaleziono strony" in html
    assert f'href="{reverse("portal:new")}"' in html
    assert "Page not found" not in html


def test_a_czech_agent_without_the_right_sees_a_czech_403_inside_the_desk(tomasz):
    response = _client(tomasz, "cs").get(reverse("reports:dashboard"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Přístup odepřen" in html
    assert f'href="{reverse("desk:home")}"' in html


def test_a_signed_out_visitor_is_offered_to_sign_in_from_a_404():
    response = _client().get("/kb/a/no-such-article/")
    assert response.status_code == 404
    assert reverse("accounts:login") in response.content.decode()


def test_the_500_page_is_translated_and_needs_neither_a_request_nor_the_database(
    django_assert_num_queries,
):
    request = RequestFactory().get("/desk/")
    with translation.override("pl"), django_assert_num_queries(0):
        response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Coś poszło nie tak" in html
    assert "podpora.css" in html
