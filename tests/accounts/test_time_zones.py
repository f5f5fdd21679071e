"""The profile's time-zone list: our customers' zones first, then every city
grouped by region with a readable name, not ~600 raw keys."""

import re
from datetime import UTC, datetime

from django.urls import reverse

from podpora.accounts import time_zones

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', html)


def test_the_profile_offers_central_european_zones_first_in_the_persons_language(
    client, anna
):
    anna.time_zone = "Europe/Warsaw"
    anna.save()
    client.force_login(anna)
    html = client.get(
        reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="pl"
    ).content.decode()
    zones = _options(html.split('name="time_zone"', 1)[1])
    assert zones[:3] == ["Europe/Warsaw", "Europe/Prague", "Europe/Bratislava"]
    assert "UTC" in zones[:10]
    assert re.search(r'value="Europe/Warsaw" selected>Warszawa \(UTC\+0[12]:00\)', html)
    assert '<optgroup label="Europa">' in html
    assert "Etc/GMT+5" not in zones  # aliases are not offered
    assert "America/New_York" in zones


def test_labels_are_readable_with_the_offset_of_the_season():
    winter = dict(time_zones.choices(at=WINTER)[0][1])
    assert winter["Europe/Warsaw"] == "Warsaw (UTC+01:00)"
    summer = dict(time_zones.choices(at=SUMMER)[0][1])
    assert summer["Europe/Warsaw"] == "Warsaw (UTC+02:00)"
    america = dict(dict(time_zones.choices(at=WINTER)[1:])["America"])
    assert america["America/Argentina/Buenos_Aires"] == (
        "Argentina – Buenos Aires (UTC-03:00)"
    )


def test_a_person_with_an_old_alias_keeps_it_and_can_save_a_listed_zone(client, tomasz):
    tomasz.time_zone = "US/Eastern"
    tomasz.save()
    client.force_login(tomasz)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'value="US/Eastern" selected' in html
    client.post(
        reverse("accounts:profile"),
        {"full_name": tomasz.full_name, "language": "", "time_zone": "Europe/Prague"},
    )
    tomasz.refresh_from_db()
    assert tomasz.time_zone == "Europe/Prague"
