from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from podpora.automation.models import BusinessCalendar, SlaPolicy, SlaTarget
from podpora.tickets.models import Priority

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=WARSAW).astimezone(UTC)


@pytest.fixture
def office_calendar(db) -> BusinessCalendar:
    """Mon–Fri 8–16 in Warsaw, Polish holidays closed."""
    return BusinessCalendar.objects.create(
        name="Biuro 8-16",
        time_zone="Europe/Warsaw",
        country="PL",
        weekly_hours={str(d): "8:00-16:00" for d in range(5)},
    )


@pytest.fixture
def standard_policy(office_calendar) -> SlaPolicy:
    """Default policy: normal = 1 h first response, 2 h next, 8 h resolution;
    high = 30 min / 1 h / 4 h. Breach: notify the lead and escalate."""
    policy = SlaPolicy.objects.create(
        name="Standard",
        is_default=True,
        calendar=office_calendar,
        breach_notify_lead=True,
        breach_escalate=True,
    )
    SlaTarget.objects.create(
        policy=policy,
        priority=Priority.NORMAL,
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=8 * 60,
    )
    SlaTarget.objects.create(
        policy=policy,
        priority=Priority.HIGH,
        first_response_minutes=30,
        next_response_minutes=60,
        resolution_minutes=4 * 60,
    )
    return policy


@pytest.fixture
def frozen_now(monkeypatch):
    """Set "now" for the services and the clocks: ``frozen_now(instant)``."""
    from django.utils import timezone

    current = {"now": None}

    def now() -> datetime:
        return current["now"] or datetime.now(UTC)

    monkeypatch.setattr(timezone, "now", now)

    def set_now(instant: datetime) -> datetime:
        current["now"] = instant
        return instant

    return set_now
