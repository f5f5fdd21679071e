"""Django's ASGI handler, with the request's sync work on long-lived threads.

Django's own handler gives every HTTP request a thread of its own for the
sync code (middleware, views, response close): a new thread per request, and
with it a new database connection, since connections belong to a thread. On
SQLite that is a file opened, four PRAGMAs and the SQL functions registered
for every request that touches the database (about 2 ms here, more than the
whole of a small API call), and on PostgreSQL a check-out from the pool.

Here a request borrows one of a fixed set of single-thread executors for as
long as it runs, so its sync code still runs on one thread (as Django
requires) and the thread, and its connection, serve the next request too, as
under a threaded WSGI server. When every executor is busy (more requests in
flight than ``PODPORA_WEB_THREADS``, a slow download holding one) the request
gets a thread of its own, as Django's handler would give it: nothing waits
for a free executor.
"""

from __future__ import annotations

import collections
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

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
    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        if threads is None:
            threads = int(os.environ.get("PODPORA_WEB_THREADS") or DEFAULT_THREADS)
        self.executors = _Executors(max(threads, 0))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        executor = self.executors.take() if scope["type"] == "http" else None
        if executor is None:
            await super().__call__(scope, receive, send)
            return
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.executors.give_back(executor)


def get_asgi_application() -> PooledASGIHandler:
    """Like ``django.core.asgi.get_asgi_application``, with pooled threads."""
    import django

    django.setup(set_prefix=False)
    return PooledASGIHandler()
