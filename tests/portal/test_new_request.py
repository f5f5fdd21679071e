import pytest
from django.core import mail

from podpora.tickets.models import Attachment, Category, Channel, Priority, Ticket
from tests.portal.conftest import upload

pytestmark = pytest.mark.django_db

NEW = "/portal/new/"


@pytest.fixture
def categories(db):
    return {
        "printers": Category.objects.create(name="Drukarki"),
        "internal": Category.objects.create(
            name="Wewnętrzne", customer_selectable=False
        ),
        "old": Category.objects.create(name="Stare", is_active=False),
    }


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(NEW)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_customer_submits_a_request_with_attachments_and_sees_its_number(
    client_for, adam, categories
):
    client = client_for(adam)
    response = client.post(
        NEW,
        {
            "subject": "Skaner nie działa",
            "description": "Skaner w pokoju 12 nie skanuje od rana.",
            "category": categories["printers"].pk,
            "attachments": [
                upload("zrzut.png"),
                upload("log.txt", b"error 42", "text/plain"),
            ],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.number}/created/"
    assert ticket.requester == adam
    assert ticket.channel == Channel.PORTAL
    assert ticket.category == categories["printers"]
    assert ticket.priority == Priority.NORMAL
    assert ticket.organization is not None
    assert ticket.messages.get().body_text == "Skaner w pokoju 12 nie skanuje od rana."
    assert sorted(Attachment.objects.values_list("original_name", flat=True)) == [
        "log.txt",
        "zrzut.png",
    ]
    confirmation = client.get(response["Location"]).content.decode()
    assert ticket.reference in confirmation
    assert "request was received" in confirmation


def test_only_categories_customers_may_choose_are_offered(client_for, adam, categories):
    html = client_for(adam).get(NEW).content.decode()
    assert "Drukarki" in html
    assert "Wewnętrzne" not in html
    assert "Stare" not in html
    response = client_for(adam).post(
        NEW,
        {"subject": "X", "description": "Y", "category": categories["internal"].pk},
    )
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_priority_is_offered_only_when_the_portal_allows_it(
    client_for, adam, portal_settings
):
    client = client_for(adam)
    assert 'name="priority"' not in client.get(NEW).content.decode()
    # A priority sent anyway is ignored.
    client.post(NEW, {"subject": "A", "description": "B", "priority": Priority.URGENT})
    assert Ticket.objects.get().priority == Priority.NORMAL

    portal_settings.customers_choose_priority = True
    portal_settings.save()
    assert 'name="priority"' in client.get(NEW).content.decode()
    client.post(NEW, {"subject": "C", "description": "D", "priority": Priority.URGENT})
    assert Ticket.objects.get(subject="C").priority == Priority.URGENT


def test_too_large_attachment_is_refused_clearly_and_nothing_typed_is_lost(
    client_for, adam, settings
):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 1024 * 1024
    response = client_for(adam).post(
        NEW,
        {
            "subject": "Duży plik",
            "description": "Opis, którego nie chcę pisać drugi raz.",
            "attachments": [upload("film.mp4", b"x" * (1024 * 1024 + 1), "video/mp4")],
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "film.mp4 is larger than the limit of 1 MB" in html
    assert "Duży plik" in html
    assert "Opis, którego nie chcę pisać drugi raz." in html
    assert not Ticket.objects.exists()


def test_missing_subject_is_reported_and_the_description_is_kept(client_for, adam):
    response = client_for(adam).post(NEW, {"subject": "  ", "description": "Treść"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Treść" in response.content.decode()


def test_a_follow_up_to_a_closed_ticket_starts_with_its_subject(
    client_for, adam, open_ticket_for
):
    old = open_ticket_for(adam, "Stara sprawa")
    html = client_for(adam).get(NEW + f"?follow_up={old.number}").content.decode()
    assert f"Follow-up to {old.reference}: Stara sprawa" in html


def test_a_follow_up_never_reveals_another_customers_subject(
    client_for, adam, bara, open_ticket_for
):
    foreign = open_ticket_for(bara, "Cizí tajemství")
    html = client_for(adam).get(NEW + f"?follow_up={foreign.number}").content.decode()
    assert "Cizí tajemství" not in html


def test_the_new_request_page_offers_knowledge_base_articles_while_typing(
    client_for, adam, tomasz
):
    from django.urls import reverse

    from podpora.kb import services as kb_services

    kb_services.create_article(
        actor=tomasz,
        title="Jak wydrukować fakturę",
        body_markdown="Otwórz PDF i…",
        language="pl",
        visibility="public",
        status="published",
    )
    client = client_for(adam)
    html = client.get(NEW).content.decode()
    suggest = reverse("kb:suggest")
    assert f'hx-get="{suggest}"' in html
    assert "#id_subject" in html
    assert "#id_description" in html
    # What the box asks for as the customer types an inflected word:
    found = client.get(suggest, {"subject": "faktury", "description": "nie drukuje"})
    assert "Jak wydrukować fakturę" in found.content.decode()
    assert not mail.outbox
