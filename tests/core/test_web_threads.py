"""The ASGI handler's sync work runs on long-lived threads, so a request does
not pay for a new thread and a new database connection."""

import asyncio
import csv
import io
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.signals import request_finished
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse

from podpora.core.web_threads import PooledASGIHandler
from podpora.reports import exports
from podpora.tickets import services
from podpora.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


async def _call(
    app, path: str, *, method: str = "GET", body: bytes = b"", headers=()
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request as an ASGI server makes it, the body in two parts."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    parts = [body[: len(body) // 2], body[len(body) // 2 :]]
    answered = asyncio.Event()

    async def receive() -> dict:
        if parts:
            return {
                "type": "http.request",
                "body": parts.pop(0),
                "more_body": bool(parts),
            }
        await answered.wait()
        return {"type": "http.disconnect"}

    status, answer_headers, answer = 0, {}, b""

    async def send(message: dict) -> None:
        nonlocal status, answer_headers, answer
        if message["type"] == "http.response.start":
            status = message["status"]
            answer_headers = dict(message["headers"])
        elif message["type"] == "http.response.body":
            answer += message.get("body", b"")
            if not message.get("more_body"):
                answered.set()

    await app(scope, receive, send)
    return status, answer_headers, answer


def _run(coroutine):
    """Run ``coroutine`` as a server's event loop would, in a thread of its
    own (a browser test may leave a loop running in this one)."""
    with ThreadPoolExecutor(max_workers=1) as loop_thread:
        return loop_thread.submit(asyncio.run, coroutine).result()


async def _get(app, path: str) -> tuple[int, bytes]:
    status, _headers, body = await _call(app, path)
    return status, body


def _connections_opened(app, requests: int, concurrency: int) -> list[str]:
    """The names of the threads that opened a database connection while
    ``app`` answered ``requests`` health checks, ``concurrency`` at a time."""
    opened: list[str] = []

    def record(sender, **kwargs) -> None:
        opened.append(threading.current_thread().name)

    async def run() -> None:
        pending = iter(range(requests))

        async def client() -> None:
            for _ in pending:
                status, body = await _get(app, "/healthz")
                assert status == 200, body

        await asyncio.gather(*(client() for _ in range(concurrency)))

    connection_created.connect(record)
    try:
        _run(run())
    finally:
        connection_created.disconnect(record)
    return opened


def test_requests_reuse_the_threads_and_their_database_connections():
    connection.close()
    opened = _connections_opened(PooledASGIHandler(threads=2), 12, concurrency=2)
    # Twelve requests ran on the two pooled threads, not on twelve new ones.
    assert 1 <= len(set(opened)) <= 2
    assert all(name.startswith("podpora-web-") for name in opened)
    if connection.settings_dict["CONN_MAX_AGE"] is None:
        # Persistent connections (SQLite): one per thread, not per request.
        # (PostgreSQL checks one out of its pool per request instead.)
        assert len(opened) <= 2


def test_a_request_is_answered_when_every_pooled_thread_is_busy():
    connection.close()
    # Four at a time on one pooled thread: the others get a thread of their
    # own (and a connection with it), as Django's own handler would give them.
    opened = _connections_opened(PooledASGIHandler(threads=1), 8, concurrency=4)
    pooled = {name for name in opened if name.startswith("podpora-web-")}
    assert len(pooled) == 1
    assert len(set(opened) - pooled) >= 1


def test_an_api_call_with_a_body_is_answered_through_the_whole_stack(
    token_for, tomasz, adam
):
    app = PooledASGIHandler(threads=1)
    payload = json.dumps(
        {"subject": "Nie działa VPN", "body_text": "Od rana.", "requester_id": adam.pk}
    ).encode()
    auth = (b"authorization", f"Bearer {token_for(tomasz)}".encode())
    status, headers, body = _run(
        _call(
            app,
            "/api/v1/tickets",
            method="POST",
            body=payload,
            headers=[auth, (b"content-type", b"application/json")],
        )
    )
    assert status == 201, body
    number = json.loads(body)["number"]
    assert Ticket.objects.get(number=number).requester == adam
    assert headers[b"ETag"] == b'"1"'
    # The middleware ran: security headers, and a 404 is Django's own page.
    assert headers[b"X-Content-Type-Options"] == b"nosniff"
    status, _headers, _body = _run(_call(app, "/no-such-page/"))
    assert status == 404


# --- streamed answers: downloads and exports --------------------------------------


@dataclass
class _Download:
    status: int = 0
    headers: dict[bytes, bytes] = field(default_factory=dict)
    parts: list[bytes] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)


async def _download(
    app,
    path: str,
    *,
    query: str = "",
    headers=(),
    on_part: Callable[[_Download], None] = lambda download: None,
    leave_after_parts: int | None = None,
) -> _Download:
    """A GET as a browser makes it, which may leave after a few parts."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    download = _Download()
    asked = False
    gone = asyncio.Event()  # the answer is complete, or the client left

    async def receive() -> dict:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            download.status = message["status"]
            download.headers = dict(message["headers"])
            return
        if message.get("body"):
            download.parts.append(message["body"])
            on_part(download)
        if not message.get("more_body") or (
            leave_after_parts is not None and len(download.parts) >= leave_after_parts
        ):
            gone.set()

    await app(scope, receive, send)
    return download


class _WatchedFile(io.BufferedReader):
    """A stored file that remembers how far it had been read when closed."""

    read_when_closed: int | None = None

    def close(self) -> None:
        if not self.closed:
            self.read_when_closed = self.tell()
        super().close()


@pytest.fixture
def opened_files(monkeypatch) -> list[_WatchedFile]:
    """The stored files opened during the test, in order."""
    opened: list[_WatchedFile] = []

    def open_watched(storage, name, mode="rb"):
        file = _WatchedFile(io.FileIO(storage.path(name), mode))
        opened.append(file)
        return File(file)

    monkeypatch.setattr(FileSystemStorage, "_open", open_watched)
    return opened


@pytest.fixture
def big_attachment(adam):
    """An attachment of sixteen of the handler's chunks."""
    content = os.urandom(16 * PooledASGIHandler.chunk_size)
    ticket = services.open_ticket(
        subject="Zrzut pamięci",
        body_text="W załączniku.",
        requester=adam,
        channel="portal",
        files=[services.IncomingFile("zrzut.bin", content)],
    )
    return ticket.attachments.get(), content


def _session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())


def _api_auth(token: str) -> tuple[bytes, bytes]:
    return (b"authorization", f"Bearer {token}".encode())


@pytest.mark.parametrize("where", ["desk", "api"])
def test_an_attachment_download_arrives_whole_in_several_parts(
    where, big_attachment, token_for, tomasz
):
    attachment, content = big_attachment
    if where == "desk":
        path = reverse("tickets:attachment", args=[attachment.pk])
        auth = _session_cookie(tomasz)
    else:
        path = f"/api/v1/attachments/{attachment.pk}/content"
        auth = _api_auth(token_for(tomasz))

    download = _run(_download(PooledASGIHandler(threads=1), path, headers=[auth]))

    assert download.status == 200
    assert download.body == content
    assert len(download.parts) >= 16
    assert download.headers[b"Content-Length"] == str(len(content)).encode()
    assert download.headers[b"Content-Disposition"] == (
        b'attachment; filename="zrzut.bin"'
    )
    assert download.headers[b"X-Content-Type-Options"] == b"nosniff"


def test_a_download_starts_before_the_file_has_been_read_through(
    big_attachment, opened_files, token_for, tomasz
):
    attachment, content = big_attachment
    read_when_first_part_left: list[int] = []

    def first_part(download: _Download) -> None:
        if len(download.parts) == 1:
            read_when_first_part_left.append(opened_files[-1].tell())

    download = _run(
        _download(
            PooledASGIHandler(threads=1),
            f"/api/v1/attachments/{attachment.pk}/content",
            headers=[_api_auth(token_for(tomasz))],
            on_part=first_part,
        )
    )

    assert download.body == content
    # One chunk read when the first went out, not the whole file.
    assert read_when_first_part_left == [PooledASGIHandler.chunk_size]


def test_a_client_leaving_mid_download_stops_the_reading_and_closes_the_file(
    big_attachment, opened_files, token_for, tomasz
):
    attachment, content = big_attachment
    finished: list[object] = []

    def record_finish(sender, **kwargs) -> None:
        finished.append(sender)

    request_finished.connect(record_finish)
    try:
        download = _run(
            _download(
                PooledASGIHandler(threads=1),
                f"/api/v1/attachments/{attachment.pk}/content",
                headers=[_api_auth(token_for(tomasz))],
                leave_after_parts=2,
            )
        )
    finally:
        request_finished.disconnect(record_finish)

    file = opened_files[-1]
    assert file.closed
    # The reading stopped within a chunk of the client leaving.
    assert file.read_when_closed is not None
    assert file.read_when_closed <= 3 * PooledASGIHandler.chunk_size
    assert len(download.body) < len(content)
    assert finished == [PooledASGIHandler]


def test_a_report_csv_export_streams_rows_read_from_the_database(
    monkeypatch, sylwia, adam, bara, open_ticket_for
):
    subjects = [f"Drukarka nr {n} nie drukuje" for n in range(12)]
    for n, subject in enumerate(subjects):
        open_ticket_for(adam if n % 2 else bara, subject)
    ticket_rows_read: list[str] = []
    ticket_rows = exports._ticket_rows

    def counted_ticket_rows(tickets):
        for row in ticket_rows(tickets):
            ticket_rows_read.append(row[1])
            yield row

    monkeypatch.setattr(exports, "_ticket_rows", counted_ticket_rows)
    app = PooledASGIHandler(threads=1)
    # Small chunks, so that a dozen tickets make many.
    app.chunk_size = 256
    rows_read_when_first_part_left: list[int] = []

    def first_part(download: _Download) -> None:
        if len(download.parts) == 1:
            rows_read_when_first_part_left.append(len(ticket_rows_read))

    download = _run(
        _download(
            app,
            reverse("reports:export", args=["csv"]),
            headers=[_session_cookie(sylwia)],
            on_part=first_part,
        )
    )

    assert download.status == 200
    assert download.headers[b"Content-Type"] == b"text/csv; charset=utf-8"
    assert download.headers[b"Content-Disposition"].startswith(b"attachment;")
    assert rows_read_when_first_part_left == [0]
    assert len(download.parts) > 5
    rows = list(csv.reader(io.StringIO(download.body.decode("utf-8-sig"))))
    listed = [row[1] for row in rows if len(row) > 1 and row[1] in subjects]
    assert sorted(listed) == sorted(subjects)
