import pytest
from django.urls import reverse

from podpora.tickets import services
from podpora.tickets.models import Channel

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def ticket(adam):
    return services.open_ticket(
        subject="Screenshot",
        requester=adam,
        channel=Channel.PORTAL,
        body_text="see file",
        files=[
            services.IncomingFile(name="ekran.png", content=PNG),
            services.IncomingFile(
                name="raport.html", content=b"<script>alert(1)</script>"
            ),
        ],
    )


def _url(attachment, **query):
    url = reverse("tickets:attachment", args=[attachment.pk])
    return url + ("?inline=1" if query.get("inline") else "")


def test_requester_downloads_as_attachment_with_safe_headers(client, adam, ticket):
    client.force_login(adam)
    page = ticket.attachments.get(original_name="raport.html")
    response = client.get(_url(page))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_real_image_may_be_shown_inline(client, adam, ticket):
    client.force_login(adam)
    image = ticket.attachments.get(original_name="ekran.png")
    response = client.get(_url(image, inline=True))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")


def test_non_image_never_inline(client, adam, ticket):
    client.force_login(adam)
    page = ticket.attachments.get(original_name="raport.html")
    response = client.get(_url(page, inline=True))
    assert response["Content-Disposition"].startswith("attachment;")


def test_other_organisation_gets_404(client, bara, ticket):
    client.force_login(bara)
    assert client.get(_url(ticket.attachments.first())).status_code == 404


def test_customer_cannot_download_attachment_of_an_internal_note(
    client, adam, tomasz, ticket
):
    note = services.add_note(
        ticket,
        author=tomasz,
        body_text="log",
        files=[services.IncomingFile(name="server.log", content=b"secret")],
    )
    client.force_login(adam)
    assert client.get(_url(note.attachments.get())).status_code == 404
    client.force_login(tomasz)
    assert client.get(_url(note.attachments.get())).status_code == 200


def test_anonymous_is_sent_to_login(client, ticket):
    response = client.get(_url(ticket.attachments.first()))
    assert response.status_code == 302
