import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from podpora.tickets import services
from podpora.tickets.models import MessageKind, Status

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _post(api, url, data):
    return api.post(url, data, content_type="application/json")


def test_customer_never_sees_internal_notes_in_the_thread(
    api_as, anna, tomasz, open_ticket_for
):
    ticket = open_ticket_for(anna)
    services.add_note(ticket, author=tomasz, body_text="Klient płaci z opóźnieniem")
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzamy.")
    customer = api_as(anna).get(f"/api/v1/tickets/{ticket.number}/messages").json()
    agent = api_as(tomasz).get(f"/api/v1/tickets/{ticket.number}/messages").json()
    assert [m["kind"] for m in customer["items"]] == ["customer", "reply"]
    assert [m["kind"] for m in agent["items"]] == ["customer", "note", "reply"]
    assert "opóźnieniem" not in str(customer)
    assert "time_spent_minutes" not in customer["items"][0]


def test_customer_reply_over_the_api_reopens_a_waiting_ticket(
    api_as, anna, tomasz, open_ticket_for
):
    ticket = open_ticket_for(anna)
    services.add_reply(
        ticket, author=tomasz, body_text="Proszę o log.", status=Status.WAITING_CUSTOMER
    )
    response = _post(
        api_as(anna),
        f"/api/v1/tickets/{ticket.number}/messages",
        {"body_text": "Log w załączniku."},
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "customer"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_customer_cannot_write_a_note(api_as, anna, open_ticket_for):
    ticket = open_ticket_for(anna)
    response = _post(
        api_as(anna),
        f"/api/v1/tickets/{ticket.number}/messages",
        {"kind": "note", "body_text": "x", "status": "closed"},
    )
    assert response.status_code == 403
    assert ticket.messages.count() == 1


def test_agent_note_stays_internal(api_as, anna, tomasz, open_ticket_for):
    ticket = open_ticket_for(anna)
    response = _post(
        api_as(tomasz),
        f"/api/v1/tickets/{ticket.number}/messages",
        {"kind": "note", "body_text": "Do sprawdzenia", "time_spent_minutes": 5},
    )
    assert response.status_code == 201
    assert ticket.messages.last().kind == MessageKind.NOTE


def test_reply_to_a_closed_ticket_is_a_409(api_as, anna, tomasz, open_ticket_for):
    ticket = open_ticket_for(anna)
    services.close_ticket(ticket, actor=tomasz)
    response = _post(
        api_as(anna), f"/api/v1/tickets/{ticket.number}/messages", {"body_text": "Hej"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_empty_message_is_a_400(api_as, anna, open_ticket_for):
    ticket = open_ticket_for(anna)
    response = _post(
        api_as(anna), f"/api/v1/tickets/{ticket.number}/messages", {"body_text": "  "}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_upload_then_download_with_safe_headers(api_as, anna, open_ticket_for):
    ticket = open_ticket_for(anna)
    api = api_as(anna)
    response = api.post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {
            "files": [
                SimpleUploadedFile("zrzut.png", PNG, content_type="image/png"),
                SimpleUploadedFile(
                    "page.html", b"<script>alert(1)</script>", content_type="text/html"
                ),
            ],
            "body_text": "Zrzut ekranu",
        },
    )
    assert response.status_code == 201, response.json()
    files = {a["name"]: a for a in response.json()["attachments"]}
    assert files["zrzut.png"]["content_type"] == "image/png"
    assert files["page.html"]["content_type"] == "application/octet-stream"

    listed = api.get(f"/api/v1/tickets/{ticket.number}/attachments").json()["items"]
    assert {a["name"] for a in listed} == {"zrzut.png", "page.html"}

    download = api.get(files["page.html"]["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"
    assert api.get(f"/api/v1/attachments/{files['zrzut.png']['id']}").json()[
        "size"
    ] == len(PNG)


def test_files_on_an_internal_note_are_hidden_from_the_customer(
    api_as, anna, bara, tomasz, open_ticket_for
):
    ticket = open_ticket_for(anna)
    agent = api_as(tomasz)
    response = agent.post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {"files": [SimpleUploadedFile("wewn.txt", b"tajne")], "kind": "note"},
    )
    attachment = response.json()["attachments"][0]
    assert agent.get(attachment["url"]).status_code == 200
    for customer in (anna, bara):
        api = api_as(customer)
        assert api.get(attachment["url"]).status_code == 404
        assert api.get(f"/api/v1/attachments/{attachment['id']}").status_code == 404
    assert (
        api_as(anna).get(f"/api/v1/tickets/{ticket.number}/attachments").json()["items"]
        == []
    )


def test_upload_over_the_size_limit_is_a_400(api_as, anna, open_ticket_for, settings):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 10
    ticket = open_ticket_for(anna)
    response = api_as(anna).post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {"files": [SimpleUploadedFile("big.bin", b"x" * 11)]},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "attachment_rejected"
    assert ticket.attachments.count() == 0
