"""With the database down a page answers 503 in the reader's language, asks
to retry later and shows back what was typed; it never needs the database."""

import pytest
from django.test import Client
from django.urls import reverse

from podpora.tickets.models import Message
from tests.core.outage import database_down, tables_locked

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_polish_customer_replying_while_the_database_is_down_keeps_the_reply(
    anna, tmp_path
):
    client = Client(headers={"accept-language": "pl"})
    client.force_login(anna)
    with database_down(tmp_path):
        response = client.post(
            reverse("portal:reply", args=[1]),
            {
                "body": "Drukarka na 2. piętrze nadal nie drukuje <b>nic</b>.",
                "password": "hunter2-secret",
                "csrfmiddlewaretoken": "token-value-xyz",
            },
        )
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert '<html lang="pl">' in html
    assert "Chwilowo niedostępne" in html
    assert "Drukarka na 2. piętrze nadal nie drukuje &lt;b&gt;nic&lt;/b&gt;." in html
    assert "readonly" in html
    assert "hunter2-secret" not in html
    assert "token-value-xyz" not in html


def test_a_signed_out_visitor_gets_the_503_page_in_the_language_cookie(tmp_path):
    client = Client()
    client.cookies["django_language"] = "cs"
    with database_down(tmp_path):
        response = client.get(reverse("kb:index"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert '<html lang="cs">' in html
    assert "Server Error" not in html


def test_the_site_answers_again_once_the_database_is_back(anna, tmp_path):
    client = Client()
    client.force_login(anna)
    with database_down(tmp_path):
        assert client.get(reverse("portal:home")).status_code == 503
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_reply_that_waits_too_long_for_a_locked_database_keeps_its_text(
    anna, open_ticket_for
):
    ticket = open_ticket_for(anna)
    client = Client(headers={"accept-language": "pl"})
    client.force_login(anna)
    client.get(reverse("portal:ticket", args=[ticket.number]))  # session loaded
    with tables_locked(Message._meta.db_table):
        response = client.post(
            reverse("portal:reply", args=[ticket.number]),
            {"body": "Nadal nie działa po restarcie."},
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Nadal nie działa po restarcie." in response.content.decode()
    assert not Message.objects.filter(body_text__contains="po restarcie").exists()
