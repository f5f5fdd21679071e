"""Sign-in-free follow links belong to one recipient each and are revoked
one by one."""

import re

import pytest
from django.urls import reverse

from podpora.accounts.models import User
from podpora.mail import intake
from podpora.portal import links
from podpora.tickets import services
from tests.mail.conftest import (  # noqa: F401 (fixtures)
    smtp_server,
    support_mailbox,
)

pytestmark = pytest.mark.django_db


def _mail(mid: str, extra: str = "") -> bytes:
    return (
        "From: Adam Nowak <adam@kowalski.pl>\nTo: support@podpora.test\n"
        f"Subject: Drukarka nie drukuje\nMessage-ID: {mid}\n{extra}"
        "Content-Type: text/plain; charset=utf-8\n\nOd rana błąd.\n"
    ).encode()


def _follow_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/portal/t/\S+?/)", text).group(1)


@pytest.fixture
def ticket_with_a_cc(
    smtp_server,  # noqa: F811
    support_mailbox,  # noqa: F811
    adam,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _mail("<f1@kowalski.pl>")).ticket
        intake.receive(
            support_mailbox,
            _mail(
                "<f2@kowalski.pl>",
                "In-Reply-To: <f1@kowalski.pl>\nCc: Ewa Lis <ewa@kowalski.pl>\n",
            ),
        )
    return ticket


def _mails_to(server, address):
    return [m for rcpt, m in server.messages if address in rcpt]


def test_each_recipient_of_a_tickets_mails_gets_a_link_of_their_own(
    client,
    smtp_server,  # noqa: F811
    ticket_with_a_cc,
    tomasz,
    adam,
    django_capture_on_commit_callbacks,
):
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(ticket_with_a_cc, author=tomasz, body_text="Już działa.")
    [to_adam] = _mails_to(smtp_server, "adam@kowalski.pl")
    [to_ewa] = _mails_to(smtp_server, "ewa@kowalski.pl")
    adams, ewas = _follow_path(to_adam), _follow_path(to_ewa)
    assert adams != ewas
    # Ewa's link speaks as Ewa, not as the requester.
    response = client.post(ewas, {"body": "Potwierdzam, działa."})
    assert response.status_code == 302
    reply = ticket_with_a_cc.messages.get(body_text="Potwierdzam, działa.")
    assert reply.author == User.objects.get(email="ewa@kowalski.pl")
    assert client.get(adams).status_code == 200


def test_an_agent_revokes_one_recipients_link_and_the_others_keep_working(
    client,
    client_for,
    ticket_with_a_cc,
    adam,
    tomasz,
):
    ewa = User.objects.get(email="ewa@kowalski.pl")
    adams = reverse("portal:follow", args=[links.follow_token(ticket_with_a_cc, adam)])
    ewas = reverse("portal:follow", args=[links.follow_token(ticket_with_a_cc, ewa)])
    page_url = reverse("portal:follow_links", args=[ticket_with_a_cc.number])
    agent = client_for(tomasz)
    page = agent.get(page_url)
    assert page.status_code == 200
    assert "Revoke the link of Ewa Lis" in page.content.decode()
    link = ticket_with_a_cc.follow_links.get(recipient=ewa)
    response = agent.post(page_url, {"link": link.pk}, follow=True)
    assert "The link of Ewa Lis no longer works." in response.content.decode()
    refused = client.get(ewas)
    assert refused.status_code == 410
    assert "Our team has withdrawn this link" in refused.content.decode()
    assert "Drukarka" not in refused.content.decode()
    client.post(ewas, {"body": "po wycofaniu"})
    assert not ticket_with_a_cc.messages.filter(body_text="po wycofaniu").exists()
    assert client.get(adams).status_code == 200
    # Her next mail carries a new link that works.
    fresh = reverse("portal:follow", args=[links.follow_token(ticket_with_a_cc, ewa)])
    assert fresh != ewas
    assert client.get(fresh).status_code == 200


def test_a_revoked_link_page_is_translated(client, adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    token = links.follow_token(ticket, adam)
    links.revoke_all(ticket)
    page = client.get(reverse("portal:follow", args=[token]), HTTP_ACCEPT_LANGUAGE="cs")
    assert page.status_code == 410
    assert "Náš tým tento odkaz zrušil" in page.content.decode()


def test_customers_and_agents_outside_the_ticket_cannot_revoke_links(
    client_for, adam, anna, bara, open_ticket_for
):
    ticket = open_ticket_for(bara, "Sprawa Bary")
    link = links.live_link(ticket, bara)
    page_url = reverse("portal:follow_links", args=[ticket.number])
    for customer in (adam, anna, bara):
        assert client_for(customer).get(page_url).status_code == 404
        assert client_for(customer).post(page_url, {"link": link.pk}).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_cc_asks_for_a_fresh_link_and_gets_their_own(
    client,
    smtp_server,  # noqa: F811
    ticket_with_a_cc,
    django_capture_on_commit_callbacks,
):
    ewa = User.objects.get(email="ewa@kowalski.pl")
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:follow_renew"),
            {"number": ticket_with_a_cc.number, "email": "ewa@kowalski.pl"},
        )
    [message] = _mails_to(smtp_server, "ewa@kowalski.pl")
    token = _follow_path(message).rstrip("/").rsplit("/", 1)[1]
    assert links.resolve(token).recipient == ewa


def test_a_link_from_before_links_were_per_recipient_offers_a_fresh_one(
    client, adam, open_ticket_for
):
    ticket = open_ticket_for(adam)
    old_style = f"{ticket.number}:1tX4Zq:b0gusSignatureFromAnOldMail"
    page = client.get(reverse("portal:follow", args=[old_style]))
    assert page.status_code == 410
    assert f'value="{ticket.number}"' in page.content.decode()
