"""Files that must lose nothing: a rollback, a full disk, a killed process."""

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from podpora.chat import services as chat_services
from podpora.chat.models import ChatWidget
from podpora.core.scheduler import all_jobs
from podpora.desk.models import Draft, DraftFile
from podpora.mail.models import InboundMail, Mailbox
from podpora.tickets import attachments, services
from podpora.tickets.jobs import sweep_orphan_files
from podpora.tickets.models import Attachment
from tests.tickets.disks import tiny_file_system

pytestmark = pytest.mark.django_db


def stored_files(root) -> list[str]:
    return sorted(
        str(Path(folder, name).relative_to(root))
        for folder, _dirs, names in os.walk(root)
        for name in names
    )


@pytest.fixture
def tiny_disk(tmp_path, settings):
    """MEDIA_ROOT on a real 64 KiB file system (tmpfs; the tests run as root)."""
    with tiny_file_system(tmp_path / "tiny") as root:
        settings.MEDIA_ROOT = root
        yield root


# --- a rollback leaves nothing -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_ticket_whose_transaction_rolls_back_leaves_no_file(
    anna, open_ticket_for, settings
):
    def request() -> None:
        with transaction.atomic():
            open_ticket_for(anna, files=[services.IncomingFile("log.txt", b"x" * 5000)])
            assert len(stored_files(settings.MEDIA_ROOT)) == 1
            # The database fails later in the same request.
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")

    with pytest.raises(DatabaseError):
        request()
    assert Attachment.objects.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db(transaction=True)
def test_a_database_gone_before_the_commit_leaves_no_file(
    anna, open_ticket_for, settings
):
    def request() -> None:
        with transaction.atomic():
            open_ticket_for(anna, files=[services.IncomingFile("log.txt", b"log")])
            # The database server restarts: the connection dies under Django,
            # so the commit and the rollback after it both fail.
            connection.connection.close()

    with pytest.raises(DatabaseError):
        request()
    assert stored_files(settings.MEDIA_ROOT) == []
    assert Attachment.objects.count() == 0  # a new connection


@pytest.mark.django_db(transaction=True)
def test_a_committed_attachment_keeps_its_file(anna, open_ticket_for, settings):
    ticket = open_ticket_for(anna, files=[services.IncomingFile("log.txt", b"log")])
    attachment = ticket.attachments.get()
    assert stored_files(settings.MEDIA_ROOT) == [attachment.file.name]
    assert attachment.file.read() == b"log"


def test_files_of_a_rolled_back_savepoint_go_and_earlier_ones_stay(
    anna, open_ticket_for, settings
):
    ticket = open_ticket_for(anna)
    kept = services.attach_files(
        ticket, None, [services.IncomingFile("a.txt", b"a")], uploaded_by=anna
    )

    def request() -> None:
        with transaction.atomic():
            services.attach_files(
                ticket, None, [services.IncomingFile("b.txt", b"b")], uploaded_by=anna
            )
            raise RuntimeError("a later step fails")

    with pytest.raises(RuntimeError):
        request()
    assert stored_files(settings.MEDIA_ROOT) == [kept[0].file.name]


# --- a full disk is a clear error and leaves no truncated file ----------------------


def test_an_upload_bigger_than_the_free_space_is_a_507_and_leaves_nothing(
    api_as, anna, open_ticket_for, tiny_disk
):
    ticket = open_ticket_for(anna)
    response = api_as(anna).post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        {
            "files": [
                SimpleUploadedFile("maly.txt", b"s" * 1000),
                SimpleUploadedFile("duzy.bin", os.urandom(200 * 1024)),
            ]
        },
    )
    assert response.status_code == 507
    body = response.json()
    assert body["code"] == "storage_full"
    assert "dysk serwera jest pełny" in body["message"]  # anna reads Polish
    assert ticket.attachments.count() == 0
    # Neither the truncated file nor the small one written before it.
    assert stored_files(tiny_disk) == []


@pytest.mark.parametrize(
    ("who", "door", "file_field"),
    [
        ("anna", "/portal/tickets/{}/reply/", "attachments"),
        ("tomasz", "/desk/tickets/{}/reply/", "files"),
    ],
    ids=["portal", "desk"],
)
def test_a_full_disk_is_a_form_error_that_keeps_the_typed_reply(
    request, who, door, file_field, anna, service_desk, open_ticket_for, tiny_disk
):
    ticket = open_ticket_for(anna, team=service_desk)
    client = Client()
    client.force_login(request.getfixturevalue(who))
    typed = "Odpowiedź, która nie może zginąć"
    response = client.post(
        door.format(ticket.number),
        {
            "body": typed,
            "version": ticket.version,
            file_field: [SimpleUploadedFile("duzy.bin", os.urandom(200 * 1024))],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "the server&#x27;s disk is full" in html
    assert typed in html
    assert ticket.messages.count() == 1
    assert stored_files(tiny_disk) == []


def test_a_full_disk_in_a_chat_upload_is_a_507_for_the_widget(
    client, service_desk, org_a, tiny_disk
):
    shop = "https://sklep.kowalski.pl"
    widget = ChatWidget.objects.create(
        name="Sklep", allowed_origins=shop, team=service_desk, organization=org_a
    )
    session = chat_services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    response = client.post(
        reverse("chat:upload", args=[widget.public_key, session.token]),
        {"file": SimpleUploadedFile("duzy.bin", os.urandom(200 * 1024))},
        HTTP_ORIGIN=shop,
    )
    assert response.status_code == 507
    assert response.json()["code"] == "storage_full"
    assert session.attachments.count() == 0
    assert stored_files(tiny_disk) == []


def test_files_that_fit_are_stored_on_the_same_small_disk(
    anna, open_ticket_for, tiny_disk
):
    ticket = open_ticket_for(anna)
    stored = services.attach_files(
        ticket, None, [services.IncomingFile("log.txt", b"ok" * 1000)], uploaded_by=anna
    )
    assert stored_files(tiny_disk) == [stored[0].file.name]


# --- the sweeper -----------------------------------------------------------------------


def _age(root, name: str, seconds: float) -> None:
    stamp = time.time() - seconds
    os.utime(Path(root, name), (stamp, stamp))


def _file(root, name: str) -> str:
    path = Path(root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return name


def test_the_sweeper_deletes_only_old_files_no_row_points_at(
    anna, tomasz, open_ticket_for, settings
):
    root = settings.MEDIA_ROOT
    ticket = open_ticket_for(
        anna, files=[services.IncomingFile("log.txt", b"referenced")]
    )
    attachment = ticket.attachments.get()
    draft = Draft.objects.create(agent=tomasz, ticket=ticket, kind="reply")
    draft_file = DraftFile.objects.create(
        draft=draft,
        name="szkic.txt",
        size=1,
        file=_file(root, "drafts/2026/01/kept"),
    )
    mailbox = Mailbox.objects.create(
        name="support", kind="pipe", addresses="support@podpora.test"
    )
    raw = InboundMail.objects.create(
        mailbox=mailbox,
        email_message_id="a@b",
        sha256="0" * 64,
        raw=_file(root, "mail/inbound/2026/01/01/kept.eml"),
    )
    orphans = [
        _file(root, "attachments/2026/01/orphan"),
        _file(root, "drafts/2026/01/orphan"),
        _file(root, "mail/inbound/2026/01/01/orphan.eml"),
    ]
    young = _file(root, "attachments/2026/01/young")
    elsewhere = _file(root, "exports/old.csv")
    for name in [
        attachment.file.name,
        draft_file.file.name,
        raw.raw.name,
        *orphans,
        elsewhere,
    ]:
        _age(root, name, 2 * 3600)
    _age(root, young, 20 * 60)

    assert sorted(attachments.sweep_orphans()) == sorted(orphans)
    assert stored_files(root) == sorted(
        [attachment.file.name, draft_file.file.name, raw.raw.name, young, elsewhere]
    )
    assert attachment.file.open().read() == b"referenced"


def test_the_sweeper_compares_in_batches(anna, open_ticket_for, settings, monkeypatch):
    monkeypatch.setattr(attachments, "_BATCH", 2)
    root = settings.MEDIA_ROOT
    ticket = open_ticket_for(
        anna,
        files=[services.IncomingFile(f"{i}.txt", b"x") for i in range(3)],
    )
    kept = [a.file.name for a in ticket.attachments.all()]
    orphans = [_file(root, f"attachments/2026/02/orphan{i}") for i in range(3)]
    for name in [*kept, *orphans]:
        _age(root, name, 2 * 3600)
    assert sorted(attachments.sweep_orphans()) == sorted(orphans)
    assert stored_files(root) == sorted(kept)


def test_the_sweeper_runs_daily_from_the_scheduler(settings):
    job = all_jobs()["tickets.sweep_orphan_files"]
    assert job.every.days == 1
    orphan = _file(settings.MEDIA_ROOT, "attachments/2026/03/orphan")
    _age(settings.MEDIA_ROOT, orphan, 2 * 3600)
    assert sweep_orphan_files.call() == 1
    assert stored_files(settings.MEDIA_ROOT) == []
