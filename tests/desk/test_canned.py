import pytest
from django.urls import reverse

from podpora.desk.canned import fill, placeholder_values
from podpora.desk.models import CannedReply
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_placeholders_are_filled_and_unknown_ones_stay_visible(tomasz, printer_ticket):
    body = (
        "Dzień dobry {{ requester_name }}, zgłoszenie {{ticket_number}} "
        "prowadzi {{ agent_name }}. {{ secret_key }} {{ ticket.requester.password }}"
    )
    text = fill(body, placeholder_values(printer_ticket, tomasz))
    assert text.startswith("Dzień dobry Adam Nowak, zgłoszenie #")
    assert str(printer_ticket.number) in text
    assert "prowadzi Tomasz Wiśniewski." in text
    assert "{{ secret_key }}" in text
    assert "{{ ticket.requester.password }}" in text


def test_canned_text_is_escaped_in_the_page(tomasz, tomasz_client, printer_ticket):
    reply = CannedReply.objects.create(
        title="Evil",
        body="<script>alert(1)</script> {{ requester_name }}",
        owner=tomasz,
    )
    page = tomasz_client.get(
        reverse("desk:ticket", args=[printer_ticket.number]), {"canned": reply.pk}
    ).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Adam Nowak" in page


def test_canned_reply_is_filled_for_the_ticket_as_text(
    tomasz, tomasz_client, printer_ticket
):
    reply = CannedReply.objects.create(
        title="Hello", body="Hi {{ requester_name }}", owner=None
    )
    response = tomasz_client.get(
        reverse("desk:ticket_canned", args=[printer_ticket.number, reply.pk])
    )
    assert response["Content-Type"].startswith("text/plain")
    assert response.text == "Hi Adam Nowak"


def test_personal_canned_replies_are_private(tomasz, petra, printer_ticket):
    mine = CannedReply.objects.create(title="Tomasz only", body="x", owner=tomasz)
    client = signed_in(petra)
    assert "Tomasz only" not in client.get(reverse("desk:canned_list")).text
    assert client.get(reverse("desk:canned_edit", args=[mine.pk])).status_code == 404


def test_agent_creates_personal_reply_and_supervisor_a_shared_one(
    tomasz_client, sylwia_client, tomasz, sylwia
):
    tomasz_client.post(
        reverse("desk:canned_new"),
        {"title": "Restart", "body": "Restart please", "shared": "on"},
    )
    restart = CannedReply.objects.get(title="Restart")
    assert restart.owner == tomasz  # agents cannot share
    sylwia_client.post(
        reverse("desk:canned_new"),
        {"title": "Greeting", "body": "Hello {{ requester_name }}", "shared": "on"},
    )
    assert CannedReply.objects.get(title="Greeting").is_shared
    assert "Greeting" in tomasz_client.get(reverse("desk:canned_list")).text


def test_agent_cannot_edit_or_delete_a_shared_reply(tomasz_client):
    shared = CannedReply.objects.create(title="Shared", body="x")
    response = tomasz_client.post(reverse("desk:canned_delete", args=[shared.pk]))
    assert response.status_code == 404
    assert CannedReply.objects.filter(pk=shared.pk).exists()


def test_delete_own_reply(tomasz, tomasz_client):
    mine = CannedReply.objects.create(title="Mine", body="x", owner=tomasz)
    tomasz_client.post(reverse("desk:canned_delete", args=[mine.pk]))
    assert not CannedReply.objects.filter(pk=mine.pk).exists()


def test_agent_opens_the_new_and_edit_forms_and_sees_the_placeholders(
    tomasz, tomasz_client
):
    new_form = tomasz_client.get(reverse("desk:canned_new"))
    assert new_form.status_code == 200
    assert "{{ requester_name }}" in new_form.text
    mine = CannedReply.objects.create(title="Mine", body="Restart it", owner=tomasz)
    edit_form = tomasz_client.get(reverse("desk:canned_edit", args=[mine.pk]))
    assert edit_form.status_code == 200
    assert "Restart it" in edit_form.text
