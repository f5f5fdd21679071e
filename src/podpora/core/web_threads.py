"""Django's ASGI handler, with each request's sync work done in one go on a
long-lived thread.

Django's own handler gives every HTTP request a thread of its own for the
sync code: a new thread per request, and with it a new database connection,
since connections belong to a thread. On SQLite that is a file opened, four
PRAGMAs and the SQL functions registered for every request that touches the
database, on PostgreSQL a check-out from the pool. It also runs the
middleware in async mode, so a request crosses between the event loop and
its thread several times (into the sync middleware, back out to the async
ones, in again for the view, again to close the response), each crossing a
thread switch.

Every view and middleware here is sync, so this handler runs the request
the way a threaded WSGI server does: the middleware chain in sync mode,
request in to response out (and, for a response already in memory, its
closing) in one call on a thread that it borrows from a fixed set of
single-thread executors. The thread, and its connection, then serve the
next request. Reading the body and sending the answer stay on the event
loop. A streamed answer (a download, a CSV export) is read on the request's
thread a chunk at a time and each chunk sent as it comes (see
``_send_streamed``). When every executor is busy (more requests in flight than
``PODPORA_WEB_THREADS``, a slow download holding one) the request gets a
thread of its own, as Django's handler would give it: nothing waits for a
free executor.
"""

from __future__ import annotations

import asyncio
import collections
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import IO, Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import set_script_prefix

DEFAULT_THREADS = 8


class _Executors:
    def __init__(self, size: int) -> None:
        self._idle: collections.deque[ThreadPoolExecutor] = collections.deque(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"podpora-web-{i}")
            for i in range(size)
        )

    def take(self) -> ThreadPoolExecutor | None:
        try:
            # Last in, first out: the most recently used thread is warm.
            return self._idle.pop()
        except IndexError:
            return None

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        self._idle.append(executor)


class PooledASGIHandler(ASGIHandler):
    # A streamed response is read and sent this much at a time (Django's
    # handler: 64 KiB). Each chunk costs a trip to the request's thread and a
    # message to the server: a 100 MB file took about 120 ms of CPU in 64 KiB
    # chunks, 45 ms in 256 KiB ones, 60 ms read whole as Django does.
    chunk_size = 2**18

    def __init__(self, threads: int | None = None) -> None:
        # Django's own set-up, then the chain rebuilt in sync mode, as a WSGI
        # handler builds it (load_middleware replaces the async one; the
        # middleware are constructed twice, once per process).
        super().__init__()
        self.load_middleware(is_async=False)
        if threads is None:
            threads = int(os.environ.get("PODPORA_WEB_THREADS") or DEFAULT_THREADS)
        self.executors = _Executors(max(threads, 0))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP here, not {scope['type']}.")
        executor = self.executors.take()
        own = executor is None
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=1)
        try:
            # Thread-sensitive calls (a sync iterator of a streamed answer)
            # go to the request's thread too.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if own:
                executor.shutdown(wait=False)
            else:
                self.executors.give_back(executor)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            set_script_prefix(get_script_prefix(scope))
            response = await sync_to_async(self._respond, thread_sensitive=True)(
                scope, body_file
            )
            try:
                if (
                    isinstance(response, StreamingHttpResponse)
                    and not response.is_async
                ):
                    await self._send_streamed(response, send, receive)
                else:
                    await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()

    def _respond(self, scope: dict[str, Any], body_file: IO[bytes]) -> HttpResponseBase:
        """Request in, response out, on the request's thread."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        assert response is not None
        if not response.streaming:
            # Already in memory: closing it now (which ends the request for
            # Django: request_finished) saves another trip to this thread.
            response.close()
        return response

    async def _send_streamed(
        self, response: StreamingHttpResponse, send: Any, receive: Any
    ) -> None:
        """Send a response with a sync iterator a chunk at a time, each chunk
        as soon as it is read.

        Django's handler reads such a response whole (``sync_to_async(list)``)
        before its first byte leaves: a 200 MB attachment, 200 MB of memory.
        Here the chunks are read on the request's thread (a report export's
        iterator holds that thread's database cursor), one read waiting for
        the previous chunk's send, so the server's flow control paces the
        reading and memory stays at a chunk. A client that leaves stops the
        reading; the caller closes the response either way.
        """
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": _headers(response),
            }
        )
        parts = iter(response)
        read_chunk = sync_to_async(self._read_chunk, thread_sensitive=True)
        # Nothing else reads from the client after the request body; this
        # notices it leaving (uvicorn drops what is sent to a closed
        # connection without a word).
        left = asyncio.ensure_future(_client_gone(receive))
        try:
            more = True
            while more:
                if left.done():
                    return
                data, more = await read_chunk(parts)
                for start in range(0, len(data), self.chunk_size):
                    chunk = data[start : start + self.chunk_size]
                    if not await _send_body(send, chunk, more_body=True):
                        return
            await _send_body(send, b"", more_body=False)
        finally:
            left.cancel()
            await asyncio.gather(left, return_exceptions=True)

    def _read_chunk(self, parts: Iterator[bytes]) -> tuple[bytes, bool]:
        """The next parts of a streamed response, and whether more may follow.

        Parts smaller than a chunk (a CSV row each) are gathered up to one:
        a trip to the request's thread per chunk, not per row."""
        gathered: list[bytes] = []
        size = 0
        for part in parts:
            gathered.append(part)
            size += len(part)
            if size >= self.chunk_size:
                return b"".join(gathered), True
        return b"".join(gathered), False


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    """The headers and cookies, encoded as ``ASGIHandler.send_response`` does."""
    headers = [
        (name.encode("ascii"), value.encode("latin1"))
        for name, value in response.items()
    ]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.OutputString().encode("ascii")))
    return headers


async def _client_gone(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send_body(send: Any, body: bytes, *, more_body: bool) -> bool:
    """Send a piece of the body; False if the connection is closed (a server
    may say so with an OSError, as ASGI 2.4 asks)."""
    try:
        await send({"type": "http.response.body", "body": body, "more_body": more_body})
    except OSError:
        return False
    return True


def get_asgi_application() -> PooledASGIHandler:
    """Like ``django.core.asgi.get_asgi_application``, with pooled threads."""
    import django

    django.setup(set_prefix=False)
    return PooledASGIHandler()
