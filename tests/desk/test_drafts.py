import re
import time

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from podpora.desk.models import Draft, DraftFile
from podpora.tickets import services
from podpora.tickets.models import Attachment, MessageKind, Priority
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def _url(name, ticket, *args):
    return reverse(f"desk:{name}", args=[ticket.number, *args])


def _box(page: str, name: str) -> str:
    """The text of the reply (``id_body``) or note (``id_note-body``) box."""
    found = re.search(rf'<textarea[^>]*id="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, name
    return found.group(1).strip()


def test_typed_reply_and_note_come_back_after_a_reload(tomasz_client, printer_ticket):
    for kind, text in (
        ("reply", "Sprawdzę sterownik"),
        ("note", "Toner na wykończeniu"),
    ):
        response = tomasz_client.post(
            _url("ticket_draft", printer_ticket, kind), {"body": text}
        )
        assert response.status_code == 204
    page = tomasz_client.get(_url("ticket", printer_ticket)).text
    assert _box(page, "id_body") == "Sprawdzę sterownik"
    assert _box(page, "id_note-body") == "Toner na wykończeniu"


def test_drafts_are_each_agents_own(tomasz_client, sylwia, printer_ticket):
    tomasz_client.post(
        _url("ticket_draft", printer_ticket, "reply"), {"body": "Tylko Tomasza"}
    )
    page = signed_in(sylwia).get(_url("ticket", printer_ticket)).text
    assert "Tylko Tomasza" not in page


def test_sending_the_reply_or_note_clears_its_draft(tomasz_client, printer_ticket):
    for kind in ("reply", "note"):
        tomasz_client.post(_url("ticket_draft", printer_ticket, kind), {"body": kind})
    printer_ticket.refresh_from_db()
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {"body": "Wysłane", "version": printer_ticket.version},
    )
    assert response.status_code == 302
    assert list(Draft.objects.values_list("kind", flat=True)) == ["note"]
    tomasz_client.post(_url("ticket_note", printer_ticket), {"body": "Notatka"})
    assert not Draft.objects.exists()
    page = tomasz_client.get(_url("ticket", printer_ticket)).text
    assert _box(page, "id_body") == ""
    assert _box(page, "id_note-body") == ""


def test_an_autosave_arriving_after_the_send_does_not_bring_the_text_back(
    tomasz_client, printer_ticket
):
    loaded_at = time.time() - 1
    printer_ticket.refresh_from_db()
    tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {"body": "Wysłane", "version": printer_ticket.version},
    )
    response = tomasz_client.post(
        _url("ticket_draft", printer_ticket, "reply"),
        {"body": "Wysłane", "loaded_at": loaded_at},
    )
    assert response.status_code == 409
    assert not Draft.objects.exists()


def test_emptying_the_box_forgets_the_draft(tomasz_client, printer_ticket):
    url = _url("ticket_draft", printer_ticket, "note")
    tomasz_client.post(url, {"body": "coś"})
    tomasz_client.post(url, {"body": ""})
    assert not Draft.objects.exists()


def test_drafts_only_for_tickets_the_agent_sees_and_only_with_csrf(
    tomasz, petra, adam, printer_ticket
):
    for outsider in (petra, adam):
        response = signed_in(outsider).post(
            _url("ticket_draft", printer_ticket, "reply"), {"body": "x"}
        )
        assert response.status_code == 404
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(tomasz)
    response = checked.post(
        _url("ticket_draft", printer_ticket, "reply"), {"body": "x"}
    )
    assert response.status_code == 403
    unknown = signed_in(tomasz).post(
        _url("ticket_draft", printer_ticket, "memo"), {"body": "x"}
    )
    assert unknown.status_code == 404
    assert not Draft.objects.exists()


def _reply_with_file(client, ticket, version, **more):
    return client.post(
        _url("ticket_reply", ticket),
        {
            "body": "Mój długi tekst odpowiedzi",
            "version": version,
            "loaded_at": time.time() - 1,
            "files": [SimpleUploadedFile("log.txt", b"printer log", "text/plain")],
            **more,
        },
    )


def test_a_conflict_keeps_the_files_and_send_anyway_attaches_them(
    sylwia, tomasz_client, printer_ticket, django_capture_on_commit_callbacks
):
    loaded_version = printer_ticket.version
    services.update_ticket(printer_ticket, actor=sylwia, priority=Priority.URGENT)
    response = _reply_with_file(tomasz_client, printer_ticket, loaded_version)
    assert response.status_code == 409
    assert "Mój długi tekst odpowiedzi" in response.text
    kept = DraftFile.objects.get()
    assert kept.name == "log.txt"
    assert f'name="kept_files" value="{kept.pk}" checked' in response.text
    assert not Attachment.objects.filter(message__kind=MessageKind.REPLY).exists()

    printer_ticket.refresh_from_db()
    stored = kept.file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        response = tomasz_client.post(
            _url("ticket_reply", printer_ticket),
            {
                "body": "Mój długi tekst odpowiedzi",
                "version": printer_ticket.version,
                "kept_files": [kept.pk],
                "force": "1",
            },
        )
    assert response.status_code == 302
    assert not default_storage.exists(stored)
    reply = printer_ticket.messages.get(kind=MessageKind.REPLY)
    attachment = reply.attachments.get()
    assert attachment.original_name == "log.txt"
    assert attachment.file.read() == b"printer log"
    assert not DraftFile.objects.exists()


def test_a_refused_note_keeps_its_files_too(tomasz_client, printer_ticket):
    response = tomasz_client.post(
        _url("ticket_note", printer_ticket),
        {
            "body": "Notatka",
            "time_spent": "5000",
            "files": [SimpleUploadedFile("zdjecie.txt", b"x", "text/plain")],
        },
    )
    assert response.status_code == 400
    assert "Notatka" in response.text
    assert "zdjecie.txt" in response.text
    kept = DraftFile.objects.get()
    response = tomasz_client.post(
        _url("ticket_note", printer_ticket),
        {"body": "Notatka", "kept_files": [kept.pk]},
    )
    assert response.status_code == 302
    note = printer_ticket.messages.get(kind=MessageKind.NOTE)
    assert note.attachments.get().original_name == "zdjecie.txt"


def test_another_agents_kept_file_is_never_attached(
    sylwia, tomasz_client, printer_ticket
):
    loaded_version = printer_ticket.version
    services.update_ticket(printer_ticket, actor=sylwia, priority=Priority.URGENT)
    _reply_with_file(signed_in(sylwia), printer_ticket, loaded_version)
    sylwias = DraftFile.objects.get()
    printer_ticket.refresh_from_db()
    tomasz_client.post(
        _url("ticket_reply", printer_ticket),
        {
            "body": "Tomasz",
            "version": printer_ticket.version,
            "kept_files": [sylwias.pk],
        },
    )
    reply = printer_ticket.messages.get(kind=MessageKind.REPLY)
    assert not reply.attachments.exists()
    assert DraftFile.objects.filter(pk=sylwias.pk).exists()


def test_a_failed_reply_leaves_the_notes_kept_files_ticked(
    tomasz_client, printer_ticket
):
    tomasz_client.post(
        _url("ticket_note", printer_ticket),
        {
            "body": "Notatka",
            "time_spent": "5000",
            "files": [SimpleUploadedFile("notatka.txt", b"x", "text/plain")],
        },
    )
    note_file = DraftFile.objects.get()
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket), {"body": "", "version": 1}
    )
    assert response.status_code == 400
    assert f'name="kept_files" value="{note_file.pk}" checked' in response.text


def test_an_empty_refused_reply_leaves_no_draft_behind(tomasz_client, printer_ticket):
    response = tomasz_client.post(
        _url("ticket_reply", printer_ticket), {"body": "", "version": 1}
    )
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_a_canned_reply_chosen_without_scripts_goes_after_the_draft(
    tomasz_client, printer_ticket
):
    from podpora.desk.models import CannedReply

    canned = CannedReply.objects.create(title="Restart", body="Proszę o restart.")
    tomasz_client.post(
        _url("ticket_draft", printer_ticket, "reply"), {"body": "Dzień dobry,"}
    )
    page = tomasz_client.get(_url("ticket", printer_ticket), {"canned": canned.pk})
    assert _box(page.text, "id_body") == "Dzień dobry,\n\nProszę o restart."
