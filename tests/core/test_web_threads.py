"""The ASGI handler's sync work runs on long-lived threads, so a request does
not pay for a new thread and a new database connection."""

import asyncio
import threading

import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from podpora.core.web_threads import PooledASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


async def _get(app, path: str) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    received = False
    answered = asyncio.Event()

    async def receive() -> dict:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    status, body = 0, b""

    async def send(message: dict) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")
            if not message.get("more_body"):
                answered.set()

    await app(scope, receive, send)
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
        asyncio.run(run())
    finally:
        connection_created.disconnect(record)
    return opened


def test_requests_reuse_the_threads_and_their_database_connections():
    connection.close()
    opened = _connections_opened(PooledASGIHandler(threads=2), 12, concurrency=2)
    # At most one connection per pooled thread, not one per request.
    assert 1 <= len(opened) <= 2
    assert all(name.startswith("podpora-web-") for name in opened)


def test_a_request_is_answered_when_every_pooled_thread_is_busy():
    connection.close()
    # Four at a time on one pooled thread: the others get a thread of their
    # own (and a connection with it), as Django's own handler would give them.
    opened = _connections_opened(PooledASGIHandler(threads=1), 8, concurrency=4)
    assert len(opened) > 1
    assert sum(name.startswith("podpora-web-") for name in opened) == 1
