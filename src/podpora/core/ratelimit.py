"""Rate limits: the one place that counts attempts, and the one function that
says who is asking.

``client_ip`` (and ``scope_client_ip`` for WebSockets) is the address every
limit is keyed by. Behind a reverse proxy the peer is the proxy, so the
address comes from ``X-Forwarded-For``, walked from the right: hops whose
address is in ``PODPORA_TRUSTED_PROXIES`` are skipped and the first one that
is not is the client. A peer that is not a trusted proxy is the client
itself, whatever header it sends: the header is written by whoever sends the
request, so believing it from anyone would let a guesser pick a fresh address
per try.

Counting is in the shared cache (Redis, or the file cache of the embedded
default), so a limit holds across web processes; each window starts with its
first hit, so a burst cannot straddle a clock boundary to get twice the limit.
``LocalLimiter`` counts inside one process, for WebSocket traffic, where a
check must not block the event loop on cache I/O.
"""

import hashlib
import ipaddress
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# --- who is asking ----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.PODPORA_TRUSTED_PROXIES))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("["):  # "[2001:db8::1]:443"
        value = value[1 : value.find("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(
    peer: str, forwarded_for: Iterable[str], trusted: Sequence[Network]
) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then the
    first ``X-Forwarded-For`` hop from the right that is not one."""

    def is_trusted(value: str) -> bool:
        address = _address(value)
        return address is not None and any(address in net for net in trusted)

    if not peer:
        return "unknown"
    if not is_trusted(peer):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not is_trusted(hop):
            address = _address(hop)
            # A trusted proxy passed on garbage: the proxy is all we know.
            return str(address) if address is not None else peer
    return peer


def client_ip(request: HttpRequest) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return client_address(
        request.META.get("REMOTE_ADDR", "") or "",
        [forwarded] if forwarded else [],
        trusted_networks(),
    )


def scope_client_ip(scope: dict[str, Any]) -> str:
    """The same for an ASGI scope (a WebSocket)."""
    client = scope.get("client") or ("", 0)
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
    ]
    return client_address(str(client[0]), forwarded, trusted_networks())


# --- counting in the shared cache ----------------------------------------------------


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window_seconds: int


def _key(scope: str, who: str) -> str:
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}"


def hit(limit: Limit, who: str) -> int:
    """Count one attempt and return how many there were in the window."""
    key = _key(limit.scope, who)
    # add() starts the window only when no counter exists, so the window is
    # not stretched by every later attempt; its start is kept beside it for
    # telling how long to wait.
    if cache.add(key, 1, timeout=limit.window_seconds):
        cache.set(f"{key}:t", time.time(), timeout=limit.window_seconds)
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=limit.window_seconds)
        cache.set(f"{key}:t", time.time(), timeout=limit.window_seconds)
        return 1


def retry_after(limit: Limit, who: str) -> int:
    """Seconds until ``who`` may try again; 0 when it may try now."""
    key = _key(limit.scope, who)
    values = cache.get_many([key, f"{key}:t"])
    if int(values.get(key, 0)) < limit.attempts:
        return 0
    started = float(values.get(f"{key}:t", time.time()))
    return max(1, math.ceil(started + limit.window_seconds - time.time()))


def take(limit: Limit, who: str) -> int:
    """Count one attempt; 0 when it is allowed, else the seconds to wait."""
    if hit(limit, who) <= limit.attempts:
        return 0
    return retry_after(limit, who)


def reset(limit: Limit, who: str) -> None:
    key = _key(limit.scope, who)
    cache.delete_many([key, f"{key}:t"])


def count(scope: str, who: str) -> int:
    return int(cache.get(_key(scope, who), 0))


def exceeded(scope: str, who: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; true once there were more than ``limit`` in the window."""
    return hit(Limit(scope, limit, window_seconds), who) > limit


# --- counting inside one process ----------------------------------------------------


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
