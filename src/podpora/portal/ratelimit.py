"""Fixed-window counters in the shared cache, for public forms.

The cache is shared by every web process (Redis, or the file cache of the
embedded default), so a limit holds across processes.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is set by whoever sends the
    # request, so trusting it would let anyone pick a fresh address per try.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, who: str) -> str:
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"podpora:portal:rl:{scope}:{digest}"


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
