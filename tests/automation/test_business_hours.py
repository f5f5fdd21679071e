"""Business-hours arithmetic: pure, no database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podpora.automation.business_hours import (
    Calendar,
    CalendarError,
    format_hours,
    holiday_names,
    parse_hours,
)

WARSAW = ZoneInfo("Europe/Warsaw")
PRAGUE = ZoneInfo("Europe/Prague")
HOUR = 3600


def office(tz: str = "Europe/Warsaw", country: str = "PL", **kw: object) -> Calendar:
    """Mon–Fri 8–12 and 13–17 (a lunch break), national holidays closed."""
    hours = parse_hours("8:00-12:00, 13:00-17:00")
    return Calendar(tz, dict.fromkeys(range(5), hours), country=country, **kw)


def at(
    y: int, m: int, d: int, h: int = 0, mi: int = 0, tz: ZoneInfo = WARSAW
) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=tz)


# --- parsing ---------------------------------------------------------------------------


def test_hours_are_parsed_sorted_and_printed_back():
    spans = parse_hours("13:00-17:00; 8-12")
    assert spans == ((time(8), time(12)), (time(13), time(17)))
    assert format_hours(spans) == "8:00-12:00, 13:00-17:00"


def test_midnight_as_an_end_means_the_end_of_the_day():
    assert format_hours(parse_hours("0:00-24:00")) == "0:00-24:00"


@pytest.mark.parametrize(
    "text", ["8-", "17:00-8:00", "8:00-12:00, 11:00-14:00", "noon-five", "25:00-26:00"]
)
def test_nonsense_hours_are_refused_with_a_reason(text):
    with pytest.raises(ValueError, match=r"\S"):
        parse_hours(text)


def test_a_calendar_without_any_hours_is_refused():
    with pytest.raises(CalendarError):
        Calendar("Europe/Warsaw", {})


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        office().is_open_at(datetime(2026, 1, 5, 9))


# --- open or not -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (at(2026, 1, 5, 7, 59), False),  # Monday before opening
        (at(2026, 1, 5, 8, 0), True),
        (at(2026, 1, 5, 12, 30), False),  # lunch
        (at(2026, 1, 5, 16, 59), True),
        (at(2026, 1, 5, 17, 0), False),  # closing time is already closed
        (at(2026, 1, 10, 10), False),  # Saturday
        (at(2026, 1, 6, 10), False),  # Epiphany, a Polish holiday
    ],
)
def test_is_open_at_follows_hours_weekends_and_holidays(moment, is_open):
    assert office().is_open_at(moment) is is_open


@pytest.mark.parametrize(
    ("day", "country"),
    [
        (date(2026, 5, 1), "PL"),
        (date(2026, 5, 3), "PL"),  # a Sunday anyway, checked for completeness
        (date(2027, 5, 3), "PL"),  # Constitution Day on a Monday
        (date(2026, 11, 11), "PL"),
        (date(2026, 4, 6), "PL"),  # Easter Monday
        (date(2026, 10, 28), "CZ"),
        (date(2026, 11, 17), "CZ"),
        (date(2026, 4, 6), "CZ"),
        (date(2026, 7, 6), "CZ"),  # Jan Hus
    ],
)
def test_national_holidays_are_closed(day, country):
    calendar = office("Europe/Prague" if country == "CZ" else "Europe/Warsaw", country)
    assert calendar.day_intervals(day) == []
    noon = datetime.combine(day, time(10), calendar.tz)
    assert not calendar.is_open_at(noon)


def test_a_czech_holiday_is_a_working_day_in_poland():
    assert office("Europe/Warsaw", "PL").is_open_at(at(2026, 10, 28, 10))
    assert not office("Europe/Prague", "CZ").is_open_at(at(2026, 10, 28, 10, tz=PRAGUE))


def test_any_supported_country_can_be_used():
    calendar = office("Europe/Berlin", "DE")
    assert calendar.day_intervals(date(2026, 10, 3)) == []  # German Unity Day
    assert "Unabhängigkeit" not in " ".join(holiday_names("DE", 2026).values())


def test_extra_closed_days_are_closed():
    calendar = office(closed_days=frozenset({date(2026, 1, 2)}))
    assert not calendar.is_open_at(at(2026, 1, 2, 10))
    assert office().is_open_at(at(2026, 1, 2, 10))


def test_next_opening_skips_lunch_nights_weekends_and_holidays():
    calendar = office()
    assert calendar.next_opening(at(2026, 1, 5, 9)) == at(2026, 1, 5, 9)
    assert calendar.next_opening(at(2026, 1, 5, 12, 15)) == at(2026, 1, 5, 13)
    assert calendar.next_opening(at(2026, 1, 9, 18)) == at(2026, 1, 12, 8)
    # Friday 1 May and the weekend: next Monday.
    assert calendar.next_opening(at(2026, 4, 30, 17, 30)) == at(2026, 5, 4, 8)


# --- adding and measuring --------------------------------------------------------------


def test_adding_within_one_morning():
    assert office().add_seconds(at(2026, 1, 5, 9), 2 * HOUR) == at(2026, 1, 5, 11)


def test_adding_across_the_lunch_break():
    assert office().add_seconds(at(2026, 1, 5, 11), 2 * HOUR) == at(2026, 1, 5, 14)


def test_a_target_spanning_several_days_and_a_weekend():
    # Thursday 15:00 + 16 business hours: 2 h Thu, 8 h Fri, 6 h Mon → Mon 15:00.
    assert office().add_seconds(at(2026, 1, 8, 15), 16 * HOUR) == at(2026, 1, 12, 15)


def test_a_ticket_created_at_night_starts_counting_at_opening():
    assert office().add_seconds(at(2026, 1, 5, 2), HOUR) == at(2026, 1, 5, 9)
    assert office().add_seconds(at(2026, 1, 10, 20), HOUR) == at(2026, 1, 12, 9)


def test_a_ticket_created_before_a_long_weekend_in_poland():
    # Thursday 30 April 2026 16:00: 1 May (Fri) is a holiday, then the weekend.
    due = office().add_seconds(at(2026, 4, 30, 16), 4 * HOUR)
    assert due == at(2026, 5, 4, 11)


def test_easter_monday_and_christmas_are_skipped():
    assert office().add_seconds(at(2026, 4, 3, 16), 2 * HOUR) == at(2026, 4, 7, 9)
    # 24–26 Dec 2025 closed in Poland (Wigilia is a holiday since 2025).
    assert office().add_seconds(at(2025, 12, 23, 16), 2 * HOUR) == at(2025, 12, 29, 9)


def test_czech_holidays_push_the_due_time():
    calendar = office("Europe/Prague", "CZ")
    # Monday 16 Nov 2026 16:00, 17 Nov is a holiday → Wednesday.
    assert calendar.add_seconds(at(2026, 11, 16, 16, tz=PRAGUE), 2 * HOUR) == at(
        2026, 11, 18, 9, tz=PRAGUE
    )


def test_adding_zero_returns_the_start_even_when_closed():
    sunday = at(2026, 1, 11, 3)
    assert office().add_seconds(sunday, 0) == sunday


def test_negative_amounts_cannot_be_added():
    with pytest.raises(ValueError, match="non-negative"):
        office().add_seconds(at(2026, 1, 5, 9), -1)


def test_measuring_backwards_is_negative():
    calendar = office()
    assert calendar.seconds_between(at(2026, 1, 5, 11), at(2026, 1, 5, 9)) == -2 * HOUR


def test_measuring_over_a_week():
    calendar = office()
    assert calendar.seconds_between(at(2026, 1, 12), at(2026, 1, 19)) == 40 * HOUR


# --- daylight saving time --------------------------------------------------------------


@pytest.mark.parametrize("tz", [WARSAW, PRAGUE])
def test_an_office_day_is_eight_hours_on_both_dst_sundays(tz):
    calendar = Calendar(tz.key, dict.fromkeys(range(7), parse_hours("8:00-16:00")))
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        start = datetime.combine(day, time(0), tz)
        assert calendar.seconds_between(start, start + timedelta(days=1)) == 8 * HOUR


@pytest.mark.parametrize("tz", [WARSAW, PRAGUE])
def test_a_round_the_clock_service_counts_23_and_25_hour_days(tz):
    calendar = Calendar.always_open(tz.key)
    spring = datetime(2026, 3, 29, tzinfo=tz)
    autumn = datetime(2026, 10, 25, tzinfo=tz)
    assert (
        calendar.seconds_between(spring, datetime(2026, 3, 30, tzinfo=tz)) == 23 * HOUR
    )
    assert (
        calendar.seconds_between(autumn, datetime(2026, 10, 26, tzinfo=tz)) == 25 * HOUR
    )


def test_a_due_time_over_the_spring_change_keeps_wall_clock_hours():
    # Friday 27 March 16:00 CET + 2 business hours → Monday 30 March 9:00 CEST.
    due = office().add_seconds(at(2026, 3, 27, 16), 2 * HOUR)
    assert due == at(2026, 3, 30, 9)
    assert due.utcoffset() == timedelta(hours=2) or due.tzinfo == UTC
    assert due.astimezone(WARSAW).utcoffset() == timedelta(hours=2)


def test_a_due_time_over_the_autumn_change_keeps_wall_clock_hours():
    due = office("Europe/Prague", "CZ").add_seconds(
        at(2026, 10, 23, 16, tz=PRAGUE), 2 * HOUR
    )
    assert due.astimezone(PRAGUE) == at(2026, 10, 26, 9, tz=PRAGUE)
    assert due.astimezone(PRAGUE).utcoffset() == timedelta(hours=1)


def test_a_night_shift_across_the_spring_gap_opens_when_the_clocks_jump():
    calendar = Calendar("Europe/Warsaw", {6: ((time(2, 30), time(4, 0)),)})
    start, end = calendar.day_intervals(date(2026, 3, 29))[0]
    assert start.astimezone(WARSAW) == at(2026, 3, 29, 3)
    assert (end - start) == timedelta(hours=1)


def test_a_night_shift_across_the_autumn_repeat_lasts_one_hour_longer():
    calendar = Calendar("Europe/Warsaw", {6: ((time(1, 0), time(4, 0)),)})
    start, end = calendar.day_intervals(date(2026, 10, 25))[0]
    assert end - start == timedelta(hours=4)


def test_all_results_are_in_utc():
    due = office().add_seconds(at(2026, 1, 5, 9), HOUR)
    assert due.tzinfo == UTC


# --- pauses ----------------------------------------------------------------------------


def test_a_pause_inside_business_hours_pushes_the_due_time():
    pauses = [(at(2026, 1, 5, 9), at(2026, 1, 5, 10))]
    assert office().add_seconds(at(2026, 1, 5, 8), 2 * HOUR, pauses) == at(
        2026, 1, 5, 11
    )


def test_a_pause_outside_business_hours_changes_nothing():
    pauses = [(at(2026, 1, 12, 18), at(2026, 1, 13, 7))]
    assert office().add_seconds(at(2026, 1, 12, 16), 2 * HOUR, pauses) == at(
        2026, 1, 13, 9
    )


def test_overlapping_pauses_count_once():
    pauses = [
        (at(2026, 1, 5, 9), at(2026, 1, 5, 10)),
        (at(2026, 1, 5, 9, 30), at(2026, 1, 5, 10, 30)),
    ]
    calendar = office()
    assert (
        calendar.seconds_between(at(2026, 1, 5, 8), at(2026, 1, 5, 12), pauses)
        == 2.5 * HOUR
    )


def test_an_open_ended_pause_stops_the_clock():
    pauses = [(at(2026, 1, 5, 9), None)]
    calendar = office()
    assert (
        calendar.seconds_between(at(2026, 1, 5, 8), at(2026, 1, 9, 17), pauses) == HOUR
    )
    assert not calendar.is_open_at(at(2026, 1, 7, 10), pauses)
    assert calendar.is_open_at(at(2026, 1, 7, 10))


def test_a_pause_over_several_days_and_the_lunch_break():
    pauses = [(at(2026, 1, 12, 11), at(2026, 1, 14, 14))]
    # Monday 8–11 counts (3 h), then from Wednesday 14:00.
    assert office().add_seconds(at(2026, 1, 12, 8), 5 * HOUR, pauses) == at(
        2026, 1, 14, 16
    )


def test_next_opening_respects_pauses():
    pauses = [(at(2026, 1, 5, 8), at(2026, 1, 5, 9, 30))]
    assert office().next_opening(at(2026, 1, 5, 8), pauses) == at(2026, 1, 5, 9, 30)


# --- properties ------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.just(UTC),
)
amounts = st.integers(min_value=0, max_value=60 * HOUR)
calendars = st.sampled_from(
    [
        office(),
        office("Europe/Prague", "CZ"),
        Calendar.always_open("Europe/Warsaw"),
        Calendar(
            "Europe/Prague", {6: ((time(1), time(4)),), 2: ((time(22), time(0)),)}
        ),
    ]
)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, amounts)
def test_adding_then_measuring_returns_the_amount(calendar, start, seconds):
    due = calendar.add_seconds(start, seconds)
    assert calendar.seconds_between(start, due) == pytest.approx(seconds, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, amounts, amounts)
def test_adding_more_never_ends_earlier(calendar, start, first, second):
    low, high = sorted((first, second))
    assert calendar.add_seconds(start, low) <= calendar.add_seconds(start, high)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, st.integers(1, 60 * HOUR))
def test_a_positive_due_time_is_inside_or_at_the_end_of_open_time(
    calendar, start, seconds
):
    due = calendar.add_seconds(start, seconds)
    just_before = due - timedelta(microseconds=1)
    assert calendar.is_open_at(just_before)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, instants, instants)
def test_measuring_adds_up_over_a_middle_point(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    total = calendar.seconds_between(a, c)
    assert total == pytest.approx(
        calendar.seconds_between(a, b) + calendar.seconds_between(b, c)
    )
    assert 0 <= total <= (c - a).total_seconds()


@settings(max_examples=200, deadline=None)
@given(
    calendars,
    instants,
    amounts,
    st.lists(st.tuples(instants, st.integers(60, 5 * 24 * HOUR)), max_size=3),
)
def test_pauses_never_bring_a_due_time_forward(calendar, start, seconds, raw_pauses):
    pauses = [(s, s + timedelta(seconds=length)) for s, length in raw_pauses]
    plain = calendar.add_seconds(start, seconds)
    paused = calendar.add_seconds(start, seconds, pauses)
    assert paused >= plain
    assert calendar.seconds_between(start, paused, pauses) == pytest.approx(
        seconds, abs=1e-6
    )
