"""``/healthz``: the database and Redis, each reported on its own, quickly.

A load balancer asks every few seconds, so nothing here may hang: the
database's server is first knocked on with a short TCP connect (its own
connection pool would wait far longer for a server that is gone), and Redis
gets short socket timeouts. Only a missing database makes the process
unhealthy; without Redis it still serves and commits (rate limits and live
updates suffer), so that is "degraded".
"""

import socket
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection

TIMEOUT_SECONDS = 1.0


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


def report() -> tuple[int, dict[str, Any]]:
    """The HTTP status and the body of ``/healthz``."""
    database = _timed(_database)
    cache = _timed(_redis)
    if database["status"] != "ok":
        status = "down"
    elif cache["status"] == "down":
        status = "degraded"
    else:
        status = "ok"
    return (503 if status == "down" else 200), {
        "status": status,
        "database": database,
        "redis": cache,
    }
