"""A customer outside a ticket's scope gets 404 on every portal URL of it,
never 403 and never a change."""

import pytest
from django.urls import reverse

from podpora.portal import links
from podpora.tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db


def _ticket_urls(ticket):
    return [
        ("get", reverse("portal:ticket", args=[ticket.number]), {}),
        ("get", reverse("portal:created", args=[ticket.number]), {}),
        (
            "post",
            reverse("portal:reply", args=[ticket.number]),
            {"body": "wtargnięcie"},
        ),
        (
            "post",
            reverse("portal:set_status", args=[ticket.number]),
            {"status": "resolved"},
        ),
    ] + [
        ("get", reverse("tickets:attachment", args=[a.pk]), {})
        for a in Attachment.objects.filter(ticket=ticket)
    ]


@pytest.fixture
def outsider(request, bara, adam):
    return {"bara": bara, "adam": adam}[request.param]


def _assert_all_404(client, ticket):
    before = (Message.objects.filter(ticket=ticket).count(), ticket.status)
    for method, path, data in _ticket_urls(ticket):
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, f"{method.upper()} {path}"
    ticket.refresh_from_db()
    assert (Message.objects.filter(ticket=ticket).count(), ticket.status) == before


def test_customer_of_another_organisation_gets_404_on_every_url(
    client_for, bara, conversation
):
    assert Attachment.objects.filter(ticket=conversation).count() == 3
    _assert_all_404(client_for(bara), conversation)


def test_member_gets_404_on_every_url_of_a_colleagues_ticket(
    client_for, adam, anna, open_ticket_for
):
    from podpora.tickets.services import IncomingFile

    ticket = open_ticket_for(
        anna, "Budżet", files=[IncomingFile("budzet.xlsx", b"PK..")]
    )
    _assert_all_404(client_for(adam), ticket)


def test_manager_reaches_every_url_of_a_members_ticket(client_for, anna, conversation):
    client = client_for(anna)
    public = Attachment.objects.filter(
        ticket=conversation, message__kind__in=["customer", "reply"]
    )
    for attachment in public:
        assert (
            client.get(reverse("tickets:attachment", args=[attachment.pk])).status_code
            == 200
        )
    assert (
        client.get(reverse("portal:ticket", args=[conversation.number])).status_code
        == 200
    )


def test_internal_note_attachment_is_404_even_for_the_requester(
    client_for, adam, conversation
):
    note_file = Attachment.objects.get(ticket=conversation, message__kind="note")
    assert (
        client_for(adam)
        .get(reverse("tickets:attachment", args=[note_file.pk]))
        .status_code
        == 404
    )


def test_a_follow_link_opens_only_its_own_tickets_attachments(
    client, bara, conversation, open_ticket_for
):
    own = open_ticket_for(bara, "Vlastní")
    token = links.follow_token(own, own.requester)
    for attachment in Attachment.objects.filter(ticket=conversation):
        path = reverse("portal:follow_attachment", args=[token, attachment.pk])
        assert client.get(path).status_code == 404


def test_a_follow_link_never_serves_an_internal_note_attachment(client, conversation):
    token = links.follow_token(conversation, conversation.requester)
    note_file = Attachment.objects.get(ticket=conversation, message__kind="note")
    public_file = Attachment.objects.get(
        ticket=conversation, original_name="instrukcja.txt"
    )
    assert (
        client.get(
            reverse("portal:follow_attachment", args=[token, note_file.pk])
        ).status_code
        == 404
    )
    response = client.get(
        reverse("portal:follow_attachment", args=[token, public_file.pk])
    )
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"krok 1"


def test_a_follow_token_altered_to_name_another_ticket_opens_nothing(
    client, bara, conversation, open_ticket_for
):
    own = open_ticket_for(bara, "Vlastní")
    token = links.follow_token(own, own.requester)
    forged = f"{conversation.number}{token[token.index('.') :]}"
    before = conversation.status
    page = client.get(reverse("portal:follow", args=[forged]))
    assert page.status_code == 410
    assert "Drukarka" not in page.content.decode()
    client.post(reverse("portal:follow_status", args=[forged]), {"status": "resolved"})
    client.post(reverse("portal:follow", args=[forged]), {"body": "wtargnięcie"})
    conversation.refresh_from_db()
    assert conversation.status == before
    assert not conversation.messages.filter(body_text="wtargnięcie").exists()
