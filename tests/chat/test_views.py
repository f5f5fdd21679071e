import pytest
from django.urls import reverse

from podpora.chat import services
from podpora.chat.models import ChatSession, SessionStatus
from podpora.tickets.models import Ticket
from tests.chat.conftest import SHOP

pytestmark = pytest.mark.django_db


def _url(name, widget, *args):
    return reverse(f"chat:{name}", args=[widget.public_key, *args])


def test_widget_config_answers_its_own_website_with_cors(
    client, widget, available_tomasz
):
    response = client.get(_url("config", widget), HTTP_ORIGIN=SHOP)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    data = response.json()
    assert data["open"] is True
    assert data["texts"]["title"] == "Czat z nami"  # the widget's language is Polish
    assert data["greeting"]


def test_a_foreign_website_cannot_use_the_widget(client, widget):
    response = client.post(
        _url("start", widget),
        {"name": "X", "email": "x@evil.example"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert not ChatSession.objects.exists()


def test_visitor_starts_a_chat_and_gets_a_token_and_socket(client, widget):
    response = client.post(
        _url("start", widget),
        {"name": "Ewa", "email": "ewa@kowalski.pl"},
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 200
    session = ChatSession.objects.get()
    assert response.json()["socket"] == f"/ws/chat/visitor/{session.token}/"


def test_starting_without_an_email_is_a_clear_error(client, widget):
    response = client.post(_url("start", widget), {"name": "Ewa"}, HTTP_ORIGIN=SHOP)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_email"


def test_chat_starts_are_rate_limited_per_address(client, widget):
    codes = {
        client.post(
            _url("start", widget),
            {"name": "E", "email": f"e{i}@kowalski.pl"},
            HTTP_ORIGIN=SHOP,
        ).status_code
        for i in range(25)
    }
    assert 429 in codes
    assert ChatSession.objects.count() == 20


def test_leaving_a_message_gives_the_ticket_number(client, widget):
    response = client.post(
        _url("offline", widget),
        {"name": "Jan", "email": "jan@kowalski.pl", "message": "Proszę o telefon"},
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 200
    assert Ticket.objects.get().number == response.json()["number"]


def test_visitor_uploads_a_file_into_their_chat(client, widget):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        _url("upload", widget, session.token),
        {"file": SimpleUploadedFile("log.txt", b"error 42")},
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 200
    attachment = session.attachments.get()
    other = client.get(reverse("chat:attachment", args=[attachment.pk]))
    assert other.status_code == 404
    mine = client.get(
        reverse("chat:attachment", args=[attachment.pk]) + f"?token={session.token}"
    )
    assert mine["Content-Disposition"].startswith("attachment")


def test_console_is_for_agents_only(client, adam, tomasz, widget):
    client.force_login(adam)
    assert client.get(reverse("chat:console")).status_code == 404
    client.force_login(tomasz)
    services.start_session(widget, name="Ewa Czekająca", email="ewa@kowalski.pl")
    page = client.get(reverse("chat:console"))
    assert page.status_code == 200
    assert "Ewa Czekająca" in page.content.decode()


def test_agent_accepts_and_converts_from_the_console(client, tomasz, widget):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    services.post_message(
        session, sender="visitor", author=None, body="Drukarka nie drukuje"
    )
    client.force_login(tomasz)
    client.post(reverse("chat:accept", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE
    panel = client.get(reverse("chat:session", args=[session.pk])).content.decode()
    assert "Drukarka nie drukuje" in panel
    client.post(reverse("chat:convert", args=[session.pk]), {"subject": "Drukarka"})
    ticket = Ticket.objects.get()
    assert ticket.subject == "Drukarka"
    assert ticket.messages.filter(body_text="Drukarka nie drukuje").exists()


def test_another_agents_chat_is_not_reachable(client, tomasz, petra, widget):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    services.accept(session, tomasz)
    client.force_login(petra)
    assert client.get(reverse("chat:session", args=[session.pk])).status_code == 404
    assert client.post(reverse("chat:end", args=[session.pk])).status_code == 404


def test_only_admins_configure_widgets_and_see_the_embed_code(
    client, tomasz, alicja, widget
):
    client.force_login(tomasz)
    assert client.get(reverse("chat:widgets")).status_code == 404
    client.force_login(alicja)
    page = client.get(reverse("chat:widget_edit", args=[widget.pk])).content.decode()
    assert f"data-podpora-widget=&quot;{widget.public_key}&quot;" in page
    bad = client.post(
        reverse("chat:widget_edit", args=[widget.pk]),
        {
            "name": "X",
            "allowed_origins": "javascript:alert(1)",
            "language": "pl",
            "color": "#000000",
            "text_color": "#ffffff",
            "is_active": "on",
        },
    )
    assert "is not an origin" in bad.content.decode()


def test_another_teams_chat_is_not_found_by_an_agent(
    client, tomasz, petra, sylwia, infra_widget
):
    session = services.start_session(
        infra_widget, name="Jan Serwerowy", email="jan@kowalski.pl"
    )
    services.add_attachment(
        session,
        sender="visitor",
        author=None,
        name="log.txt",
        content=b"disk full",
        declared_type="text/plain",
    )
    attachment = session.attachments.get()
    panel = reverse("chat:session", args=[session.pk])
    download = reverse("chat:attachment", args=[attachment.pk])
    client.force_login(tomasz)
    assert "Jan Serwerowy" not in client.get(reverse("chat:console")).content.decode()
    assert (
        "Jan Serwerowy"
        not in client.get(reverse("chat:console_waiting")).content.decode()
    )
    assert client.get(panel).status_code == 404
    assert client.get(download).status_code == 404
    assert client.post(reverse("chat:accept", args=[session.pk])).status_code == 404
    session.refresh_from_db()
    assert session.status == SessionStatus.WAITING
    for user in (sylwia, petra):
        client.force_login(user)
        assert "Jan Serwerowy" in client.get(reverse("chat:console")).content.decode()
        assert client.get(panel).status_code == 200
        assert b"".join(client.get(download).streaming_content) == b"disk full"
    client.post(reverse("chat:accept", args=[session.pk]))
    session.refresh_from_db()
    assert session.agent == petra
