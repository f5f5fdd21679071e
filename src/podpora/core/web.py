"""The web process's HTTP side: Django's WSGI application on a fixed pool of
threads (``a2wsgi.WSGIMiddleware``) inside the ASGI server that also serves
the WebSockets (``podpora.asgi``).

A request runs the way a threaded WSGI server runs it: the middleware chain
in sync mode, request in to response out in one call on one of
``PODPORA_WEB_THREADS`` long-lived threads, whose database connection serves
the next request too (persistent on SQLite; on PostgreSQL checked out of a
pool sized to the threads, see settings). A streamed answer (an attachment,
a CSV export) is read on that thread and handed to the server a chunk at a
time through a2wsgi's bounded queue, so the server's flow control paces the
reading and memory stays at a few chunks whatever the file's size.

At most as many requests as there are threads are let in at once; one that
waits longer than ``PODPORA_WEB_QUEUE_TIMEOUT`` seconds for a free thread is
answered 503 with ``Retry-After`` (``Admission``): a burst gets a quick "try
again" instead of a queue that grows until clients time out, and no thread
ever waits for a database connection.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.util import FileWrapper

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, parse_cookie
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# A streamed answer is handed to the server this much at a time: each chunk
# is a trip from the request's thread to the event loop. A 100 MB file took
# about 120 ms of CPU in 64 KiB chunks, 45 ms in 256 KiB ones.
CHUNK_SIZE = 2**18
# Chunks waiting for the server per request (a2wsgi's queue): the memory a
# download holds beside the socket's own buffer.
SEND_QUEUE = 4
BUSY_RETRY_AFTER = 5
BUSY_MESSAGE = _("The server is busy right now. Please try again in a few seconds.")


def _file_wrapper(filelike: Any, block_size: int = CHUNK_SIZE) -> FileWrapper:
    """PEP 3333's ``wsgi.file_wrapper``: Django hands a ``FileResponse``'s
    file to it (and closes the response when it is closed). Its blocks are
    ours, not the response's 4 KiB."""
    return FileWrapper(filelike, CHUNK_SIZE)


class _Gathered:
    """A WSGI answer's parts, small ones (a CSV row each) gathered up to a
    chunk so that each costs one trip to the event loop, not one per row."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[bytes]:
        held: list[bytes] = []
        size = 0
        for part in self.parts:
            if not size and len(part) >= CHUNK_SIZE:
                yield part
                continue
            held.append(part)
            size += len(part)
            if size >= CHUNK_SIZE:
                yield b"".join(held)
                held.clear()
                size = 0
        if held:
            yield b"".join(held)

    def close(self) -> None:
        # Closes the response: its file, and for Django the end of the request.
        close = getattr(self.parts, "close", None)
        if close is not None:
            close()


def django_wsgi() -> Callable[..., Iterable[bytes]]:
    application = get_wsgi_application()

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.file_wrapper"] = _file_wrapper
        return _Gathered(application(environ, start_response))

    return wsgi


class Admission:
    """Lets at most ``threads`` HTTP requests into ``app`` at once; one that
    finds no free place within ``wait`` seconds is answered 503 with
    ``Retry-After``. Other scopes (WebSockets, lifespan) pass untouched."""

    def __init__(self, app: Any, *, threads: int, wait: float) -> None:
        self.app = app
        self.wait = wait
        self.places = asyncio.Semaphore(threads)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.wait):
                await self.places.acquire()
        except TimeoutError:
            await _busy(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.places.release()


def _language(scope: dict[str, Any]) -> str:
    """The reader's language from the language cookie and Accept-Language,
    as Django's LocaleMiddleware would pick it (no session: the database is
    not asked while the server is this busy)."""
    request = HttpRequest()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            request.COOKIES.update(parse_cookie(value.decode("latin-1")))
        elif name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


async def _busy(scope: dict[str, Any], send: Any) -> None:
    language = _language(scope)
    with translation.override(language):
        message = str(BUSY_MESSAGE)
    if scope["path"].startswith("/api/"):
        body = json.dumps({"code": "busy", "message": message}).encode()
        content_type = b"application/json"
    else:
        body = (
            f'<!doctype html><html lang="{language}"><meta charset="utf-8">'
            f"<title>503</title><p>{html.escape(message)}</p></html>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(BUSY_RETRY_AFTER).encode()),
                (b"content-language", language.encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def http_application() -> Admission:
    """Django's WSGI application on ``PODPORA_WEB_THREADS`` threads, for the
    "http" scope of the ASGI server."""
    threads = settings.PODPORA_WEB_THREADS
    return Admission(
        WSGIMiddleware(django_wsgi(), workers=threads, send_queue_size=SEND_QUEUE),
        threads=threads,
        wait=settings.PODPORA_WEB_QUEUE_TIMEOUT,
    )
