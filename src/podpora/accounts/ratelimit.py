"""Fixed-window attempt counters kept in the cache (shared by every process).

Used for sign-in: a guesser is slowed per address and per account, and the
count never says whether the account exists.
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window_seconds: int


def _key(limit: Limit, subject: str) -> str:
    return f"ratelimit:{limit.scope}:{subject}"


def retry_after(limit: Limit, subject: str) -> int:
    """Seconds until ``subject`` may try again; 0 when it may try now."""
    value = cache.get(_key(limit, subject))
    if not value:
        return 0
    count, started = value
    if count < limit.attempts:
        return 0
    return max(0, math.ceil(started + limit.window_seconds - time.time()))


def record_failure(limit: Limit, subject: str) -> None:
    key = _key(limit, subject)
    now = time.time()
    count, started = cache.get(key) or (0, now)
    if started + limit.window_seconds <= now:
        count, started = 0, now
    # Not atomic across processes: a race lets a few extra guesses through,
    # which a limit of this kind tolerates; it never locks anyone out wrongly.
    cache.set(key, (count + 1, started), timeout=limit.window_seconds)


def reset(limit: Limit, subject: str) -> None:
    cache.delete(_key(limit, subject))
