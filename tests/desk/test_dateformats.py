"""The compiled date formats give exactly what Django's ``date`` filter gives."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, formats, translation

from podpora.desk.dateformats import formatter

WARSAW = ZoneInfo("Europe/Warsaw")


def _moments() -> list[dt.datetime]:
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    moments = [
        (start + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))).astimezone(
            WARSAW
        )
        for _ in range(300)
    ]
    day = dt.datetime(2026, 3, 29, tzinfo=WARSAW)  # the spring clock change
    moments += [
        day.replace(hour=h, minute=m) for h in (0, 1, 11, 12, 13, 23) for m in (0, 5)
    ]
    return moments


@pytest.mark.parametrize("language", ["en", "pl", "cs", "de", "ja"])
@pytest.mark.parametrize(
    "name",
    ["SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "DATE_FORMAT", "TIME_FORMAT"],
)
def test_the_languages_own_formats_match_django(language, name):
    with translation.override(language):
        format_string = formats.get_format(name)
        format_date = formatter(format_string)
        for moment in _moments():
            assert format_date(moment) == dateformat.format(moment, format_string)


@pytest.mark.parametrize(
    "format_string",
    [
        r"a A P g h",  # twelve-hour clock words: a.m., noon, midnight
        r"\Y\e\s: Y, \d\a\y d",  # escaped letters stay letters
        "c r U e O T Z I",  # handed to Django one character at a time
        "N b M F D l E S w z W L t o",
        "",
    ],
)
def test_any_other_format_character_matches_django(format_string):
    for language in ("en", "pl"):
        with translation.override(language):
            format_date = formatter(format_string)
            for moment in _moments():
                assert format_date(moment) == dateformat.format(moment, format_string)
