"""Working time between two instants, for report figures.

A deliberately small calendar: Monday to Friday, 08:00–16:00 local time,
minus the public holidays of the country the time zone belongs to (Polish or
Czech). It lives in this one module so that the full calendar of SLA policies
(business-hours calendars with holidays) can replace :func:`business_seconds`
without touching the report code: everything else calls only that function.
"""

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import cache

import holidays

WORK_START = time(8, 0)
WORK_END = time(16, 0)
WORKDAY_SECONDS = 8 * 3600

# Time zones whose national holidays we know; any other falls back to Polish.
_COUNTRY_BY_ZONE = {
    "Europe/Warsaw": "PL",
    "Europe/Prague": "CZ",
    "Europe/Bratislava": "SK",
}
DEFAULT_COUNTRY = "PL"


def country_for(tz_name: str) -> str:
    return _COUNTRY_BY_ZONE.get(tz_name, DEFAULT_COUNTRY)


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_working_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def business_seconds(start: datetime, end: datetime, tz_name: str) -> int:
    """Seconds of working time in ``[start, end)`` seen from ``tz_name``.

    Both instants must be aware. Each local day is clipped to its working
    window, so a gap over a weekend or a holiday counts only the working
    hours on either side of it. Clock changes (DST) are honoured because the
    window is built per local day.
    """
    if end <= start:
        return 0
    zone = zoneinfo.ZoneInfo(tz_name)
    country = country_for(tz_name)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    last = local_end.date()
    # A long-open ticket spans many weeks: whole weeks are counted in one
    # step, only the holidays inside them need a look.
    while day <= last:
        if day.weekday() == 0 and (last - day).days >= 7 and day > local_start.date():
            week = [day + timedelta(days=i) for i in range(5)]
            total += sum(WORKDAY_SECONDS for d in week if is_working_day(d, country))
            day += timedelta(days=7)
            continue
        if is_working_day(day, country):
            window_start = datetime.combine(day, WORK_START, tzinfo=zone)
            window_end = datetime.combine(day, WORK_END, tzinfo=zone)
            lo = max(window_start, local_start)
            hi = min(window_end, local_end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return int(total)
