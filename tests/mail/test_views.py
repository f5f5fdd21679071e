"""The administrators' page for mail that needs a decision."""

import pytest
from django.urls import reverse

from podpora.mail import intake
from podpora.mail.models import InboundState
from podpora.tickets.models import Ticket
from tests.conftest import PASSWORD


def _held(mailbox, n=1):
    return intake.receive(
        mailbox,
        f"From: someone{n}@gmail.example\nTo: office@podpora.test\nSubject: Help {n}\n"
        f"Message-ID: <held{n}@gmail.example>\n\nPlease help.\n".encode(),
    )


@pytest.fixture
def strict(support_mailbox):
    from podpora.mail.models import Mailbox

    return Mailbox.objects.create(
        name="strict",
        kind="pipe",
        addresses="office@podpora.test",
        unknown_senders="hold",
    )


def test_an_admin_sees_failed_and_held_mail_with_reasons(
    client, alicja, strict, django_assert_max_num_queries
):
    for n in range(5):
        _held(strict, n)
    intake.receive(strict, b"Subject: no sender\n\nx\n")
    client.login(email=alicja.email, password=PASSWORD)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("mail:inbound"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('id="mail-') == 6
    assert "held for review" in page
    assert "no sender address" in page


def test_an_admin_accepts_a_held_mail_and_it_becomes_a_ticket(client, alicja, strict):
    held = _held(strict)
    client.login(email=alicja.email, password=PASSWORD)
    response = client.post(
        reverse("mail:inbound_action", args=[held.pk, "accept"]), follow=True
    )
    assert "became part of ticket" in response.content.decode()
    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED
    assert Ticket.objects.get().requester.email == "someone1@gmail.example"


def test_an_admin_discards_a_mail_and_keeps_its_raw_copy(client, alicja, strict):
    held = _held(strict)
    client.login(email=alicja.email, password=PASSWORD)
    client.post(reverse("mail:inbound_action", args=[held.pk, "discard"]))
    held.refresh_from_db()
    assert held.state == InboundState.DISCARDED
    raw = client.get(reverse("mail:inbound_raw", args=[held.pk]))
    assert raw["Content-Type"] == "application/octet-stream"
    assert b"Please help." in raw.content


@pytest.mark.parametrize("who", ["tomasz", "adam"])
def test_agents_and_customers_cannot_see_the_mail_page(client, strict, who, request):
    user = request.getfixturevalue(who)
    held = _held(strict)
    client.login(email=user.email, password=PASSWORD)
    assert client.get(reverse("mail:inbound")).status_code == 404
    assert client.get(reverse("mail:inbound_raw", args=[held.pk])).status_code == 404
    assert (
        client.post(
            reverse("mail:inbound_action", args=[held.pk, "accept"])
        ).status_code
        == 404
    )
    held.refresh_from_db()
    assert held.state == InboundState.HELD


def test_actions_need_a_post(client, alicja, strict):
    held = _held(strict)
    client.login(email=alicja.email, password=PASSWORD)
    assert (
        client.get(reverse("mail:inbound_action", args=[held.pk, "accept"])).status_code
        == 405
    )
