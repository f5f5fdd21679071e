"""What the intake reads from settings and mailboxes: the largest mail it
takes, our own addresses and the domain of our Message-IDs."""

from __future__ import annotations

import time

from django.conf import settings

from podpora.mail import parsing
from podpora.mail.models import Mailbox


def max_mail_bytes() -> int:
    return int(getattr(settings, "PODPORA_MAIL_MAX_BYTES", 50 * 1024 * 1024))


_OWN_CACHE: dict[str, tuple[float, frozenset[str]]] = {}
_OWN_TTL = 30.0


def own_addresses() -> frozenset[str]:
    """Every address of ours: a copy to one of them is not a CC, and we never
    send automatic mail to it. Cached briefly: it is read for every mail."""
    now = time.monotonic()
    cached = _OWN_CACHE.get("all")
    if cached and now - cached[0] < _OWN_TTL:
        return cached[1]
    found = {a for box in Mailbox.objects.only("addresses") for a in box.address_list}
    found |= {a for _n, a in parsing._addresses([settings.DEFAULT_FROM_EMAIL])}
    result = frozenset(found)
    _OWN_CACHE["all"] = (now, result)
    return result


def forget_own_addresses() -> None:
    _OWN_CACHE.clear()
