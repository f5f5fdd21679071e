"""The ASGI handler's sync work runs on long-lived threads, so a request does
not pay for a new thread and a new database connection."""

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from podpora.core.web_threads import PooledASGIHandler
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


def test_a_download_is_streamed_whole(token_for, tomasz, adam):
    content = b"0123456789" * 20_000  # several chunks
    ticket = services.open_ticket(
        subject="Log",
        body_text="W załączniku.",
        requester=adam,
        channel="portal",
        files=[services.IncomingFile("log.txt", content)],
    )
    attachment = ticket.attachments.get()
    auth = (b"authorization", f"Bearer {token_for(tomasz)}".encode())
    status, headers, body = _run(
        _call(
            PooledASGIHandler(threads=1),
            f"/api/v1/attachments/{attachment.pk}/content",
            headers=[auth],
        )
    )
    assert status == 200
    assert body == content
    assert headers[b"Content-Disposition"].startswith(b"attachment")
