"""``{% load automation_sla %}``: SLA clocks of a ticket for the desk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from podpora.automation import sla
from podpora.automation.models import TicketSla
from podpora.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def sla_clocks(ticket: Ticket) -> list[sla.ClockStatus]:
    try:
        state: TicketSla | None = ticket.sla  # type: ignore[attr-defined]
    except TicketSla.DoesNotExist:
        state = None
    return sla.clock_statuses(ticket, state)


@register.simple_tag
def sla_badge(ticket: Ticket) -> str:
    """ "breached", "at_risk" or "" for a queue row; reads only annotated or
    cached values when the queue used ``with_next_breach`` (no query)."""
    due = getattr(ticket, "next_breach_at", None)
    if due is None and not hasattr(ticket, "next_breach_at"):
        try:
            due = ticket.sla.next_breach_at  # type: ignore[attr-defined]
        except TicketSla.DoesNotExist:
            return ""
    return badge_state(due, timezone.now())


AT_RISK = dt.timedelta(hours=1)


def badge_state(due: dt.datetime | None, now: dt.datetime) -> str:
    """ "breached" once ``due`` has passed, "at_risk" within the hour before,
    else "" (lists that show many tickets read the clock once)."""
    if due is None:
        return ""
    if due <= now:
        return "breached"
    if due - now <= AT_RISK:
        return "at_risk"
    return ""


@register.filter
def business_duration(seconds: Any) -> str:
    """Seconds of business time as "2 h 05 min" (sign dropped)."""
    if seconds is None:
        return ""
    total = int(abs(float(seconds)) // 60)
    days, rest = divmod(total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"
