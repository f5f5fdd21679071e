"""Django's Redis cache, which a Redis outage cannot turn into failed requests.

Redis holds what can be rebuilt (the configuration cache's generation, rate
limit counters, cached counts); the database is the system of record. So
while Redis is away a read answers "not cached", a write is skipped and a
counter starts again at one: pages load, writes commit, rate limits let
people through rather than lock everyone out. After a failure the cache stays
away for a few seconds instead of paying a connection timeout on every call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)
# How long a failed Redis is left alone before it is tried again.
RETRY_AFTER_SECONDS = 5.0


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    def _guard(self, default: Any, call: Callable[..., Any], *args: Any) -> Any:
        if time.monotonic() < self._down_until:
            return default
        try:
            return call(self, *args)
        except _OUTAGE as exc:
            log.warning("Redis cache unavailable, working without it: %s", exc)
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return default

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard(default, RedisCache.get, key, default, version)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._guard({}, RedisCache.get_many, keys, version)

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._guard(False, RedisCache.has_key, key, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._guard(None, RedisCache.set, key, value, timeout, version)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> Any:
        # As if added: the caller goes on as with an empty cache.
        return self._guard(True, RedisCache.add, key, value, timeout, version)

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> Any:
        return self._guard([], RedisCache.set_many, data, timeout, version)

    def touch(
        self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> Any:
        return self._guard(False, RedisCache.touch, key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._guard(False, RedisCache.delete, key, version)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._guard(None, RedisCache.delete_many, keys, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        # A counter that cannot be read starts again: the first of its window.
        return self._guard(delta, RedisCache.incr, key, delta, version)

    def decr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self._guard(0, RedisCache.decr, key, delta, version)

    def clear(self) -> None:
        self._guard(None, RedisCache.clear)
