"""Auto-close: a resolved ticket the customer has not answered for N days
closes, and the requester is told by mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from podpora.core.outbox import enqueue_after_commit
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Status, Ticket

VIA = "auto-close"


def days() -> int:
    return int(getattr(settings, "PODPORA_AUTO_CLOSE_DAYS", 7))


def close_resolved(
    *, now: datetime | None = None, after_days: int | None = None
) -> int:
    """Close resolved tickets quiet for ``after_days``; returns how many closed."""
    from podpora.tickets import services

    now = now or timezone.now()
    after_days = days() if after_days is None else after_days
    if after_days <= 0:
        return 0
    cutoff = now - timedelta(days=after_days)
    due = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).filter(
        Q(last_customer_activity_at__isnull=True)
        | Q(last_customer_activity_at__lte=F("resolved_at"))
    )
    closed = 0
    for ticket_id in list(due.values_list("pk", flat=True)[:1000]):
        try:
            with transaction.atomic():
                # Re-checked under the lock the service takes: the customer may
                # have replied (reopening it) or another scheduler closed it.
                ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
                if ticket.status != Status.RESOLVED:
                    continue
                services.close_ticket(ticket, actor=None, via=VIA)
                transaction.on_commit(partial(_tell_requester, ticket_id), robust=True)
                closed += 1
        except TicketError:
            continue
    return closed


def _tell_requester(ticket_id: int) -> None:
    from podpora.automation.tasks import send_ticket_mail

    enqueue_after_commit(send_ticket_mail, ticket_id, "auto_closed")
