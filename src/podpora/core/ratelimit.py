"""Rate limits: the one place that counts attempts.

``hit``/``exceeded`` count in the shared cache (Redis, or the file cache of
the embedded default), so a limit holds across web processes; each window
starts with its first hit, so a burst cannot straddle a clock boundary to get
twice the limit. ``LocalLimiter`` counts inside one process, for WebSocket
traffic, where a check must not block the event loop on cache I/O.

(Sign-in keeps its own failure counter in ``accounts.ratelimit``: it counts
only failures and tells how long to wait.)
"""

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is set by whoever sends the
    # request, so trusting it would let anyone pick a fresh address per try.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, who: str) -> str:
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"podpora:rl:{scope}:{digest}"


def count(scope: str, who: str) -> int:
    return int(cache.get(_key(scope, who), 0))


def hit(scope: str, who: str, *, window_seconds: int) -> int:
    """Count one attempt and return how many there were in the window."""
    key = _key(scope, who)
    # add() starts the window only when no counter exists, so the window is
    # not stretched by every later attempt.
    if cache.add(key, 1, timeout=window_seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return 1


def exceeded(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; true once there were more than ``limit`` in the window."""
    return hit(scope, who, window_seconds=window_seconds) > limit


class LocalLimiter:
    """Per-process windows for keys seen by this process's sockets."""

    def __init__(self, *, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}
        self._next_sweep = 0.0

    def allow(self, key: str, *, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now >= self._next_sweep:
            self._windows = {
                k: v for k, v in self._windows.items() if now - v[0] < self.window
            }
            self._next_sweep = now + self.window
        started, hits = self._windows.get(key, (now, 0))
        if now - started >= self.window:
            started, hits = now, 0
        hits += 1
        self._windows[key] = (started, hits)
        return hits <= self.limit
