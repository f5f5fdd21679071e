"""Writing the audit log; the only module that adds or removes entries."""

from datetime import timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from podpora.audit.models import AuditEntry, Kind
from podpora.core.ratelimit import client_ip


def record(
    kind: Kind,
    *,
    request: HttpRequest | None = None,
    actor: AbstractBaseUser | None = None,
    actor_email: str = "",
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry. ``actor`` defaults to the request's signed-in person;
    the address is the one every rate limit uses (core.ratelimit.client_ip)."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not actor_email:
        actor_email = str(getattr(actor, "email", ""))
    return AuditEntry.objects.create(
        kind=kind,
        actor_id=actor.pk if actor is not None else None,
        actor_email=actor_email[:254],
        address=client_ip(request)[:64] if request is not None else "",
        user_agent=(
            request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else ""
        ),
        target=target[:300],
        details=details or {},
    )


def forget_older_than(days: int) -> int:
    """The retention rule: entries older than ``days`` are deleted; 0 keeps all."""
    if days <= 0:
        return 0
    old = AuditEntry.objects.filter(at__lt=timezone.now() - timedelta(days=days))
    # The append-only queryset refuses delete(); retention is its one exception.
    deleted, _ = models.QuerySet.delete(old)
    return deleted
