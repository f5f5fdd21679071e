"""Fixed-window counters in the shared cache (file cache or Redis)."""

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
