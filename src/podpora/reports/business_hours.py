"""Which calendar a ticket's figures in business hours are measured on.

The one its SLA clocks run on, so that a client's report and the clocks on
its tickets never disagree: the calendar of the ticket's SLA policy; without
a policy, the default policy's; round the clock where neither has one (see
``automation.selectors.business_calendar``). The arithmetic is automation's
own (``automation.business_hours.Calendar``); this module only chooses the
calendar, and counts round the clock when the automation app is not installed.
"""

from collections.abc import Sequence
from datetime import datetime

from django.apps import apps

from podpora.automation.business_hours import Calendar
from podpora.tickets.models import Ticket


def _without_automation() -> bool:
    return not apps.is_installed("podpora.automation")


def calendar_of(ticket: Ticket) -> Calendar:
    """The calendar of one ticket; no query inside a round of ticket hooks
    that the SLA clocks took part in."""
    if _without_automation():
        return Calendar.always_open()
    from podpora.automation import selectors

    return selectors.business_calendar(selectors.clock_policy_id(ticket))


def calendars_of(tickets: Sequence[Ticket]) -> dict[int, Calendar]:
    """Ticket id → calendar for many tickets, in one query (for rebuilds)."""
    if _without_automation():
        always = Calendar.always_open()
        return {ticket.pk: always for ticket in tickets}
    from podpora.automation import selectors

    policy_ids = selectors.clock_policy_ids(tickets)
    # One calendar object per policy: it keeps the days it has worked out.
    by_policy = {
        policy_id: selectors.business_calendar(policy_id)
        for policy_id in set(policy_ids.values())
    }
    return {ticket_id: by_policy[p] for ticket_id, p in policy_ids.items()}


def business_seconds(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Whole seconds of business time in ``[start, end)``; 0 if ``end`` is not
    after ``start``."""
    if end <= start:
        return 0
    return int(calendar.seconds_between(start, end))
