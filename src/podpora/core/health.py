"""``/healthz``: the database and Redis, each reported on its own, quickly.

A load balancer asks every few seconds, so nothing here may hang: the
database's server is first knocked on with a short TCP connect (its own
connection pool would wait far longer for a server that is gone), and Redis
gets short socket timeouts. Only a missing database makes the process
unhealthy; without Redis it still serves and commits (rate limits and live
updates suffer), so that is "degraded". So is a media storage running out of
space (under ``PODPORA_DISK_WARN_BYTES`` or 5 % free): uploads and stored
mail are refused once it is full; and so is a search index that lacks some
tickets (being rebuilt, or tickets loaded without it). ``tasks`` counts the tasks kept in the
database while the task backend was down (``waiting`` until they are
enqueued) and the workers heard from in the last minute; it informs, and
does not change the overall status.
"""

import shutil
import socket
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection

TIMEOUT_SECONDS = 1.0
DISK_WARN_PERCENT = 5.0


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    result = check()
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict[str, Any]:
    result: dict[str, Any] = {"vendor": connection.vendor}
    host = connection.settings_dict.get("HOST")
    if connection.vendor != "sqlite" and host and not host.startswith("/"):
        port = int(connection.settings_dict.get("PORT") or 5432)
        try:
            socket.create_connection((host, port), timeout=TIMEOUT_SECONDS).close()
        except OSError:
            return {**result, "status": "down", "error": "unreachable"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return {**result, "status": "down", "error": type(error).__name__}
    return {**result, "status": "ok"}


@lru_cache(maxsize=4)
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )


def _redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": "not_configured"}
    try:
        _redis_client(settings.REDIS_URL).ping()
    except redis.RedisError as error:
        return {"status": "down", "error": type(error).__name__}
    return {"status": "ok"}


def _disk() -> dict[str, Any]:
    """Free space of the file system holding MEDIA_ROOT (or its nearest
    existing parent: the folder is made on the first upload)."""
    path = Path(settings.MEDIA_ROOT)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        usage = shutil.disk_usage(path)
    except OSError as error:
        return {"status": "down", "error": type(error).__name__}
    percent = round(usage.free * 100 / usage.total, 1) if usage.total else 0.0
    low = usage.free < settings.PODPORA_DISK_WARN_BYTES or percent < DISK_WARN_PERCENT
    return {
        "status": "low" if low else "ok",
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_percent": percent,
    }


def _search() -> dict[str, Any]:
    """Whether every ticket has its search document. While the index is
    rebuilt, search still finds numbers and e-mail addresses, but words only
    in what is indexed: "degraded", not down."""
    from podpora.search.services import index_incomplete

    try:
        incomplete = index_incomplete()
    except DatabaseError as error:
        return {"status": "down", "error": type(error).__name__}
    return {"status": "incomplete" if incomplete else "ok"}


def _tasks() -> dict[str, Any]:
    """Tasks kept while the task backend was down (``core.outbox``) and the
    workers heard from in the last minute (``core.reaper``)."""
    from podpora.core import outbox, reaper

    try:
        kept = outbox.pending_count()
        workers = reaper.live_workers()
    except DatabaseError as error:
        return {"status": "down", "error": type(error).__name__}
    return {
        "status": "waiting" if kept else "ok",
        "kept": kept,
        "workers": workers,
    }


def report() -> tuple[int, dict[str, Any]]:
    """The HTTP status and the body of ``/healthz``."""
    database = _timed(_database)
    cache = _timed(_redis)
    disk = _timed(_disk)
    search = _timed(_search) if database["status"] == "ok" else {"status": "unknown"}
    tasks = _timed(_tasks) if database["status"] == "ok" else {"status": "down"}
    if database["status"] != "ok":
        status = "down"
    elif (
        cache["status"] == "down" or disk["status"] != "ok" or search["status"] != "ok"
    ):
        status = "degraded"
    else:
        status = "ok"
    return (503 if status == "down" else 200), {
        "status": status,
        "database": database,
        "redis": cache,
        "disk": disk,
        "search": search,
        "tasks": tasks,
    }
