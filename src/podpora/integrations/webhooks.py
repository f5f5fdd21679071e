"""Outgoing webhooks: queueing, signing and delivering events.

``emit(event, ticket, data)`` is the one entry point (the ticket hook calls
it; SLA automation calls it for ``sla.warning`` / ``sla.breach``). It writes
one delivery row per subscribed webhook in the caller's transaction and
enqueues the sending after the commit, so a rolled-back change sends nothing.

Every body is signed: ``Podpora-Signature: t=<unix time>,v1=<hex>`` where
``hex = HMAC-SHA256(secret, f"{t}.{body}")`` (see docs/api.md).
"""

import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from podpora.core import config_cache
from podpora.core.outbox import enqueue_after_commit
from podpora.integrations.models import (
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from podpora.integrations.netguard import UnsafeTarget, resolve
from podpora.tickets.models import Ticket

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Podpora-Signature"
MAX_ATTEMPTS = 6
TIMEOUT = 10.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (and what the tests do): recompute and compare in
    constant time, and refuse old timestamps (replays)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, f"t={timestamp},v1={fields.get('v1', '')}")


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "requester": {
            "id": ticket.requester_id,
            "email": ticket.requester.email,
            "name": ticket.requester.display_name,
        },
        "organization": ticket.organization.name if ticket.organization_id else None,  # type: ignore[union-attr]
        "team": ticket.team.name if ticket.team_id else None,  # type: ignore[union-attr]
        "assignee": ticket.assignee.email if ticket.assignee_id else None,  # type: ignore[union-attr]
        "version": ticket.version,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "url": f"{settings.PODPORA_BASE_URL}/api/v1/tickets/{ticket.number}",
    }


@dataclass(frozen=True)
class Subscriber:
    """An active webhook as the configuration cache keeps it: its id and the
    events it wants (the delivery reads the rest, secret included, fresh)."""

    pk: int
    events: frozenset[str]


def _active_webhooks() -> tuple[Subscriber, ...]:
    return tuple(
        Subscriber(pk=pk, events=frozenset(events or ()))
        for pk, events in Webhook.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "events")
    )


def subscribers(event: str) -> list[Subscriber]:
    # Every ticket change asks: the active webhooks stay in memory until one
    # changes. The events list is small JSON, filtered here on both engines.
    hooks = config_cache.cached("webhooks", _active_webhooks)
    return [w for w in hooks if event in w.events]


def emit(event: str, ticket: Ticket, data: dict[str, Any] | None = None) -> int:
    """Queue ``event`` about ``ticket`` for every webhook that wants it."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event: {event}")
    hooks = subscribers(event)
    if not hooks:
        return 0
    now = timezone.now()
    deliveries = []
    for hook in hooks:
        delivery = WebhookDelivery(
            webhook_id=hook.pk, event=event, payload={}, created_at=now
        )
        delivery.payload = json.loads(
            json.dumps(
                {
                    "id": str(delivery.id),
                    "event": event,
                    "created_at": now,
                    "ticket": ticket_payload(ticket),
                    "data": data or {},
                },
                cls=DjangoJSONEncoder,
            )
        )
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [str(d.id) for d in deliveries]

    from podpora.integrations.tasks import deliver_webhook

    for delivery_id in ids:
        enqueue_after_commit(deliver_webhook, delivery_id)
    return len(deliveries)


def _backoff(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min, 4 min, 8 min … with jitter so retries spread out.
    base = 30 * 2 ** (attempts - 1)
    return timedelta(seconds=base + random.uniform(0, base / 4))


def _post(hook: Webhook, body: bytes, headers: dict[str, str]) -> "httpx.Response":
    """POST to the address that passed the check, not to a fresh lookup."""
    # Imported here: the ticket hook that emits events runs in every process
    # that changes a ticket (a piped mail's too), and httpx costs 0.2 s to load.
    import httpx

    target = resolve(hook.url, allow_internal=hook.allow_internal)
    parts = urlsplit(hook.url)
    address = target.addresses[0]
    netloc_host = f"[{address}]" if ":" in address else address
    pinned = urlunsplit(
        (
            parts.scheme,
            f"{netloc_host}:{target.port}",
            parts.path or "/",
            parts.query,
            "",
        )
    )
    host_header = parts.netloc.rsplit("@", 1)[-1]
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        return client.post(
            pinned,
            content=body,
            headers={**headers, "Host": host_header},
            extensions={"sni_hostname": target.host} if parts.scheme == "https" else {},
        )


# How long a claimed attempt may take before another worker may try again.
_LEASE = timedelta(seconds=TIMEOUT * 3)


def _claim(delivery_id: str) -> WebhookDelivery | None:
    """Take the next attempt with a compare-and-set UPDATE, in a short
    transaction of its own: no lock is held while the receiver answers (on
    SQLite that would stop every other writer)."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING),
        )
        .filter(
            models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
        )
        .update(
            attempts=models.F("attempts") + 1,
            last_attempt_at=now,
            next_attempt_at=now + _LEASE,
        )
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)


def deliver(delivery_id: str) -> WebhookDelivery | None:
    """One attempt. Safe to run twice: a delivered or given-up row, or one
    another worker is sending right now, is left alone."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    hook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Podpora-Webhooks/1",
        "Podpora-Event": delivery.event,
        "Podpora-Delivery": str(delivery.id),
        SIGNATURE_HEADER: sign(hook.secret, int(time.time()), body),
    }
    delivery.response_code = None
    delivery.response_snippet = ""
    delivery.error = ""
    ok = False
    import httpx

    try:
        if not hook.is_active:
            raise UnsafeTarget("The webhook is switched off.")
        response = _post(hook, body, headers)
        delivery.response_code = response.status_code
        delivery.response_snippet = response.text[:500]
        ok = 200 <= response.status_code < 300
    except UnsafeTarget as refused:
        delivery.error = str(refused)[:500]
        delivery.attempts = MAX_ATTEMPTS  # no retry can make it safe
    except httpx.HTTPError as failed:
        delivery.error = f"{type(failed).__name__}: {failed}"[:500]
    if ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "response_code",
            "response_snippet",
            "error",
            "next_attempt_at",
        ]
    )
    log.info("webhook %s %s: %s", hook.name, delivery.event, delivery.status)
    return delivery


def due_deliveries(limit: int = 100) -> list[str]:
    """Retries whose back-off has passed, and attempts whose worker died."""
    return [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING),
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]
