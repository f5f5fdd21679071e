from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from podpora.reports.business_hours import business_seconds, is_working_day

WARSAW = ZoneInfo("Europe/Warsaw")
PRAGUE = ZoneInfo("Europe/Prague")
H = 3600


def w(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (w(3, 2, 9), w(3, 2, 11), 2),  # inside one working day
        (w(3, 2, 6), w(3, 2, 7, 30), 0),  # before opening
        (w(3, 2, 15), w(3, 3, 9), 2),  # overnight: 15–16 and 8–9
        (w(3, 6, 15), w(3, 9, 9), 2),  # over a weekend
        (w(3, 7, 10), w(3, 8, 18), 0),  # only the weekend
        (w(3, 6, 17), w(3, 9, 8), 0),  # Friday evening to Monday opening
        (w(3, 2, 8), w(3, 16, 8), 80),  # two whole weeks
        (w(3, 2, 12), w(3, 23, 12), 120),  # whole weeks skipped in one step
        (w(3, 2, 12), w(3, 2, 12), 0),
        (w(3, 3, 12), w(3, 2, 12), 0),  # end before start
    ],
)
def test_business_seconds_count_only_working_hours(start, end, hours):
    assert business_seconds(start, end, "Europe/Warsaw") == hours * H


def test_polish_holiday_is_not_a_working_day():
    # 11 November (Independence Day) 2026 is a Wednesday.
    assert not is_working_day(w(11, 11, 0).date(), "PL")
    assert business_seconds(w(11, 10, 15), w(11, 12, 9), "Europe/Warsaw") == 2 * H


def test_czech_holiday_follows_the_czech_time_zone():
    # 28 October (Czech statehood day) 2026 is a Wednesday; not a Polish holiday.
    start = datetime(2026, 10, 27, 15, tzinfo=PRAGUE)
    end = datetime(2026, 10, 29, 9, tzinfo=PRAGUE)
    assert business_seconds(start, end, "Europe/Prague") == 2 * H
    assert business_seconds(start, end, "Europe/Warsaw") == 10 * H


def test_instants_in_utc_are_read_in_the_given_zone():
    # 07:00 UTC is 08:00 in Warsaw in winter.
    start = datetime(2026, 1, 5, 7, tzinfo=UTC)
    end = datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert business_seconds(start, end, "Europe/Warsaw") == 2 * H


def test_working_window_is_local_across_the_clock_change():
    # Clocks go forward on Sunday 29 March 2026: Monday still has 8 hours.
    assert business_seconds(w(3, 27, 8), w(3, 30, 16), "Europe/Warsaw") == 16 * H
