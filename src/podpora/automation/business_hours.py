"""Business-hours arithmetic: pure functions, no ORM, no settings.

A :class:`Calendar` is weekly opening hours in a time zone, minus national
public holidays (from the ``holidays`` package) and extra closed days. All
instants going in and out are timezone-aware; they are compared and returned
in UTC. Opening hours are wall-clock times in the calendar's zone, so a day on
which the clocks change (last Sunday of March and October in Europe) is an
hour shorter or longer only if the opening hours span the change.

``pauses`` are intervals (e.g. "waiting on the customer") during which the
clock does not run; an open-ended pause has ``None`` as its end.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]
WeeklyHours = Mapping[int, Sequence[tuple[time, time]]]

# A search for the next open moment gives up after this many days: a calendar
# that is closed for two years is a configuration error, not a long weekend.
MAX_SEARCH_DAYS = 2 * 366
END_OF_DAY = time(0)  # as a closing time: midnight at the end of the day
ALWAYS = datetime.max.replace(tzinfo=UTC)


class CalendarError(ValueError):
    """The calendar is never open (no hours, or closed for years ahead)."""


def supported_countries() -> dict[str, list[str]]:
    """Country codes the ``holidays`` package knows, with their subdivisions."""
    return holidays.list_supported_countries()


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdivision: str, year: int) -> frozenset[date]:
    calendar = holidays.country_holidays(
        country, subdiv=subdivision or None, years=year
    )
    return frozenset(calendar.keys())


def holiday_names(country: str, year: int, subdivision: str = "") -> dict[date, str]:
    calendar = holidays.country_holidays(
        country, subdiv=subdivision or None, years=year
    )
    return dict(sorted(calendar.items()))


def parse_hours(text: str) -> tuple[tuple[time, time], ...]:
    """``"8:00-12:00, 13:00-17:00"`` → ((08:00, 12:00), (13:00, 17:00)).

    ``24:00`` (or ``0:00`` as an end) means the end of the day. Raises
    ``ValueError`` with a readable message for anything else.
    """
    spans: list[tuple[time, time]] = []
    for chunk in text.replace(";", ",").split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        try:
            start_text, end_text = (
                p.strip() for p in chunk.replace("–", "-").split("-")
            )
            start, end = _parse_time(start_text), _parse_time(end_text)
        except ValueError:
            raise ValueError(f"“{chunk}” is not a span like 8:00-16:00") from None
        if end != END_OF_DAY and end <= start:
            raise ValueError(f"“{chunk}” ends before it starts")
        spans.append((start, end))
    spans.sort()
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        if end == END_OF_DAY or end > next_start:
            raise ValueError("spans overlap")
    return tuple(spans)


def _parse_time(text: str) -> time:
    if text in {"24", "24:00"}:
        return END_OF_DAY
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes or 0))


def format_hours(spans: Iterable[tuple[time, time]]) -> str:
    def fmt(t: time, *, end: bool) -> str:
        return "24:00" if end and t == END_OF_DAY else f"{t.hour}:{t.minute:02d}"

    return ", ".join(f"{fmt(s, end=False)}-{fmt(e, end=True)}" for s, e in spans)


def _resolve_wall(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The UTC instant at which the clocks in ``tz`` show ``wall`` on ``day``.

    A wall time skipped by a spring-forward change maps to the moment the
    clocks jump (an office opening "at 2:30" opens at 3:00 that night); a
    repeated autumn time maps to its first occurrence.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return first.astimezone(UTC)
    # In a gap: fold=1 uses the later offset and lands before the jump, fold=0
    # after it; the jump itself lies in between (found to the second).
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first.astimezone(UTC)
    before = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


@dataclass(frozen=True)
class Calendar:
    """Weekly opening hours (Monday = 0) in ``time_zone`` minus closed days."""

    time_zone: str = "Europe/Warsaw"
    weekly: Mapping[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    country: str = ""  # e.g. "PL", "CZ"; empty: no public holidays
    subdivision: str = ""
    closed_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tz", ZoneInfo(self.time_zone))
        # Day intervals are asked for again and again by the SLA clocks.
        object.__setattr__(self, "_days", {})
        if not any(self.weekly.get(day) for day in range(7)):
            raise CalendarError("The calendar has no opening hours.")

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> Calendar:
        return cls(time_zone, {d: ((time(0), END_OF_DAY),) for d in range(7)})

    @property
    def tz(self) -> ZoneInfo:
        return self._tz  # type: ignore[attr-defined,no-any-return]

    def is_closed_day(self, day: date) -> bool:
        if day in self.closed_days:
            return True
        return bool(self.country) and day in _holiday_dates(
            self.country, self.subdivision, day.year
        )

    def day_intervals(self, day: date) -> list[Interval]:
        """The open intervals of one local calendar day, in UTC."""
        cache: dict[date, list[Interval]] = self._days  # type: ignore[attr-defined]
        if day not in cache:
            if len(cache) > 4096:
                cache.clear()
            cache[day] = self._compute_day(day)
        return cache[day]

    def _compute_day(self, day: date) -> list[Interval]:
        if self.is_closed_day(day):
            return []
        result = []
        for start, end in self.weekly.get(day.weekday(), ()):
            start_at = _resolve_wall(day, start, self.tz)
            if end == END_OF_DAY:
                end_at = _resolve_wall(day + timedelta(days=1), time(0), self.tz)
            else:
                end_at = _resolve_wall(day, end, self.tz)
            if end_at > start_at:
                result.append((start_at, end_at))
        return result

    def _local_day(self, instant: datetime) -> date:
        return _aware(instant).astimezone(self.tz).date()

    def open_intervals(self, start: datetime) -> Iterator[Interval]:
        """Open intervals from ``start`` onwards (the first one clipped)."""
        start = _aware(start)
        day = self._local_day(start) - timedelta(days=1)
        empty_days = 0
        while True:
            intervals = self.day_intervals(day)
            for begin, end in intervals:
                if end <= start:
                    continue
                yield max(begin, start), end
            if intervals:
                empty_days = 0
            else:
                empty_days += 1
                if empty_days > MAX_SEARCH_DAYS:
                    raise CalendarError("The calendar is closed for years ahead.")
            day += timedelta(days=1)

    def open_intervals_between(
        self, start: datetime, end: datetime
    ) -> Iterator[Interval]:
        start, end = _aware(start), _aware(end)
        if end <= start:
            return
        day = self._local_day(start) - timedelta(days=1)
        last = self._local_day(end)
        while day <= last:
            for begin, finish in self.day_intervals(day):
                begin, finish = max(begin, start), min(finish, end)
                if finish > begin:
                    yield begin, finish
            day += timedelta(days=1)

    # --- the four questions --------------------------------------------------

    def is_open_at(self, instant: datetime, pauses: Sequence[Pause] = ()) -> bool:
        instant = _aware(instant)
        if any(_pause_covers(p, instant) for p in pauses):
            return False
        day = self._local_day(instant)
        return any(
            begin <= instant < end
            for d in (day - timedelta(days=1), day)
            for begin, end in self.day_intervals(d)
        )

    def next_opening(self, instant: datetime, pauses: Sequence[Pause] = ()) -> datetime:
        """``instant`` itself when open, else the next moment the clock runs."""
        for begin, _ in _minus_pauses(self.open_intervals(instant), pauses):
            return begin
        raise CalendarError("The calendar is never open.")  # pragma: no cover

    def seconds_between(
        self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
    ) -> float:
        """Business seconds from ``start`` to ``end``; negative if ``end`` is earlier."""
        start, end = _aware(start), _aware(end)
        if end < start:
            return -self.seconds_between(end, start, pauses)
        return sum(
            (finish - begin).total_seconds()
            for begin, finish in _minus_pauses(
                self.open_intervals_between(start, end), pauses
            )
        )

    def add_seconds(
        self, start: datetime, seconds: float, pauses: Sequence[Pause] = ()
    ) -> datetime:
        """The instant at which ``seconds`` of business time have passed since
        ``start``. Adding zero returns ``start`` unchanged."""
        start = _aware(start)
        if seconds < 0:
            raise ValueError("Only a non-negative amount can be added.")
        if seconds == 0:
            return start
        remaining = timedelta(seconds=seconds)
        for begin, end in _minus_pauses(self.open_intervals(start), pauses):
            length = end - begin
            if remaining <= length:
                return begin + remaining
            remaining -= length
        raise CalendarError("The calendar is never open.")  # pragma: no cover


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("Business-hours arithmetic needs timezone-aware instants.")
    return instant.astimezone(UTC)


def _pause_covers(pause: Pause, instant: datetime) -> bool:
    start, end = pause
    return _aware(start) <= instant < (ALWAYS if end is None else _aware(end))


def _minus_pauses(
    intervals: Iterable[Interval], pauses: Sequence[Pause]
) -> Iterator[Interval]:
    """``intervals`` with every paused stretch cut out (pauses may overlap)."""
    normalized = sorted(
        (_aware(s), ALWAYS if e is None else _aware(e)) for s, e in pauses
    )
    for begin, end in intervals:
        cursor = begin
        for pause_start, pause_end in normalized:
            if pause_end <= cursor or pause_start >= end:
                continue
            if pause_start > cursor:
                yield cursor, pause_start
            cursor = max(cursor, pause_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end
