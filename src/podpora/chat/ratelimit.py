"""Rate limits: fixed windows that start with their first hit.

``allow`` counts in the shared cache (file cache or Redis), for HTTP requests.
``LocalLimiter`` counts in the web process itself, for WebSocket traffic: a
socket's messages arrive at one process, and a check there must not block the
event loop on cache I/O.
"""

import time

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit for ``key``; False once ``limit`` hits fell in the window
    that began with the first of them (no reset at a clock boundary, so a
    burst cannot straddle two windows to get twice the limit)."""
    bucket = f"rl:{key}"
    if cache.add(bucket, 1, timeout=window):
        return True
    try:
        hits = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window)
        return True
    return hits <= limit


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
