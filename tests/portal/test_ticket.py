import pytest

from podpora.tickets import services
from podpora.tickets.models import Message, MessageKind, Status, Ticket
from tests.portal.conftest import upload

pytestmark = pytest.mark.django_db


def url(ticket, suffix: str = "") -> str:
    return f"/portal/tickets/{ticket.number}/{suffix}"


def test_customer_reads_the_public_thread_with_attachments(
    client_for, adam, conversation
):
    html = client_for(adam).get(url(conversation)).content.decode()
    assert "Od rana drukarka w biurze pokazuje błąd." in html
    assert "Proszę wyłączyć i włączyć drukarkę." in html
    assert "zrzut.png" in html
    assert "instrukcja.txt" in html
    assert "Tomasz Wiśniewski" in html


def test_internal_notes_and_agent_only_fields_never_reach_the_portal(
    client_for, adam, tomasz, conversation
):
    services.update_ticket(
        conversation,
        actor=tomasz,
        tags=["vip-wewnetrzny"],
        remote_session_id="AnyDesk 123 456 789",
        assignee=tomasz,
    )
    html = client_for(adam).get(url(conversation)).content.decode()
    assert "TAJNE" not in html
    assert "wewnetrzny.txt" not in html
    assert "vip-wewnetrzny" not in html
    assert "AnyDesk" not in html
    assert tomasz.email not in html
    assert "1357" not in html  # the minutes logged on the note


def test_an_agent_without_a_name_is_shown_as_the_support_team_not_by_address(
    client_for, adam, tomasz, conversation
):
    tomasz.full_name = ""
    tomasz.save()
    html = client_for(adam).get(url(conversation)).content.decode()
    assert tomasz.email not in html
    assert "Support team" in html


def test_an_agent_looking_through_the_portal_sees_no_internal_note(
    client_for, tomasz, conversation
):
    html = client_for(tomasz).get(url(conversation)).content.decode()
    assert "Proszę wyłączyć" in html
    assert "TAJNE" not in html
    assert "Send reply" not in html


def test_customer_replies_with_an_attachment_and_a_waiting_ticket_reopens(
    client_for, adam, tomasz, conversation
):
    services.update_ticket(conversation, actor=tomasz, status=Status.WAITING_CUSTOMER)
    client = client_for(adam)
    response = client.post(
        url(conversation, "reply/"),
        {"body": "Wyłączyłem, nadal nie działa.", "attachments": [upload("foto.png")]},
    )
    assert response.status_code == 302
    message = conversation.messages.filter(kind=MessageKind.CUSTOMER).last()
    assert message.body_text == "Wyłączyłem, nadal nie działa."
    assert message.author == adam
    assert [a.original_name for a in message.attachments.all()] == ["foto.png"]
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    page = client.get(response["Location"]).content.decode()
    assert "Your reply was added." in page


def test_an_empty_reply_is_refused_with_a_clear_message(client_for, adam, conversation):
    count = Message.objects.count()
    response = client_for(adam).post(url(conversation, "reply/"), {"body": "  "})
    assert response.status_code == 400
    assert "Write a reply or attach a file." in response.content.decode()
    assert Message.objects.count() == count


def test_a_too_large_reply_attachment_keeps_the_typed_reply(
    client_for, adam, conversation, settings
):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 10
    response = client_for(adam).post(
        url(conversation, "reply/"),
        {"body": "Ważna odpowiedź", "attachments": [upload("duzy.png")]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "duzy.png is larger than the limit" in html
    assert "Ważna odpowiedź" in html


def test_customer_marks_resolved_and_reopens(client_for, adam, conversation):
    client = client_for(adam)
    client.post(url(conversation, "status/"), {"status": "resolved"})
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    html = client.get(url(conversation)).content.decode()
    assert "Reopen" in html
    client.post(url(conversation, "status/"), {"status": "open"})
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_customer_cannot_close_or_set_other_statuses(client_for, adam, conversation):
    response = client_for(adam).post(
        url(conversation, "status/"), {"status": "closed"}, follow=True
    )
    conversation.refresh_from_db()
    assert conversation.status != Status.CLOSED
    assert "not allowed" in response.content.decode()


def test_a_closed_ticket_says_so_and_offers_a_new_request(
    client_for, adam, tomasz, conversation
):
    services.close_ticket(conversation, actor=tomasz)
    client = client_for(adam)
    html = client.get(url(conversation)).content.decode()
    assert "This ticket is closed" in html
    assert f"/portal/new/?follow_up={conversation.number}" in html
    assert "Send reply" not in html
    response = client.post(url(conversation, "reply/"), {"body": "Jeszcze jedno"})
    assert response.status_code == 400
    assert "closed" in response.content.decode()


def test_manager_reads_and_answers_a_colleagues_ticket(client_for, anna, conversation):
    client = client_for(anna)
    assert client.get(url(conversation)).status_code == 200
    client.post(url(conversation, "reply/"), {"body": "Kierowniczka dopytuje"})
    assert conversation.messages.filter(author=anna).exists()


def test_thread_page_runs_a_constant_number_of_queries(
    client_for, adam, tomasz, conversation, django_assert_num_queries
):
    for i in range(10):
        services.add_reply(conversation, author=tomasz, body_text=f"Odpowiedź {i}")
    client = client_for(adam)
    # session, user, ticket, messages with authors, their attachments
    with django_assert_num_queries(5):
        assert client.get(url(conversation)).status_code == 200


def test_an_agent_cannot_post_as_the_customer_through_the_portal(
    client_for, tomasz, conversation
):
    client = client_for(tomasz)
    count = conversation.messages.count()
    assert client.post(url(conversation, "reply/"), {"body": "x"}).status_code == 404
    assert (
        client.post(url(conversation, "status/"), {"status": "resolved"}).status_code
        == 404
    )
    assert conversation.messages.count() == count


def test_a_phone_call_logged_by_an_agent_is_not_shown_as_the_customers_words(
    client_for, adam, tomasz, service_desk
):
    tomasz_client = client_for(tomasz)
    tomasz_client.post(
        "/desk/phone/",
        {
            "requester": adam.pk,
            "subject": "Monitor miga",
            "notes": "Dzwonił o 9:10; lewy monitor miga od rana.",
            "priority": 2,
            "team": service_desk.pk,
        },
    )
    ticket = Ticket.objects.get(subject="Monitor miga")
    html = client_for(adam).get(url(ticket)).content.decode()
    message = html.split('class="portal-message ', 1)[1].split("</li>", 1)[0]
    assert "Dzwonił o 9:10" in message
    assert "portal-message-call" in message
    assert "<strong>Tomasz Wiśniewski</strong>" in message
    assert "Support team's account of your call" in message
    assert "Adam Nowak" not in message
