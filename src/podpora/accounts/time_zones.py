"""The time-zone list people choose from: the zones of our customers first,
then every other city grouped by its region, with readable names
("Argentina – Buenos Aires (UTC-03:00)") instead of some 600 raw IANA keys.

Old aliases (``US/Eastern``, ``Etc/GMT+5``, ``Poland``) are left out of the
list; a person who already has one keeps it as a choice of its own.
"""

import zoneinfo
from datetime import datetime
from functools import cache

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Shown first, in this order.
COMMON: tuple[tuple[str, Promise], ...] = (
    ("Europe/Warsaw", _("Warsaw")),
    ("Europe/Prague", _("Prague")),
    ("Europe/Bratislava", _("Bratislava")),
    ("Europe/Berlin", _("Berlin")),
    ("Europe/Vienna", _("Vienna")),
    ("Europe/Budapest", _("Budapest")),
    ("Europe/London", _("London")),
    ("Europe/Kyiv", _("Kyiv")),
    ("UTC", _("UTC (coordinated universal time)")),
)
REGIONS: dict[str, Promise] = {
    "Europe": _("Europe"),
    "America": _("America"),
    "Asia": _("Asia"),
    "Africa": _("Africa"),
    "Australia": _("Australia"),
    "Pacific": _("Pacific"),
    "Atlantic": _("Atlantic"),
    "Indian": _("Indian Ocean"),
    "Antarctica": _("Antarctica"),
    "Arctic": _("Arctic"),
}

Choices = list[tuple[str, str] | tuple[str, list[tuple[str, str]]]]


@cache
def _regional_zones() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {region: [] for region in REGIONS}
    for key in zoneinfo.available_timezones():
        region, _slash, place = key.partition("/")
        if region in zones and place:
            zones[region].append(key)
    return {region: sorted(keys) for region, keys in zones.items()}


def place_name(key: str) -> str:
    """ "America/Argentina/Buenos_Aires" → "Argentina – Buenos Aires"."""
    place = key.partition("/")[2] or key
    return place.replace("_", " ").replace("/", " – ")


def utc_offset(key: str, at: datetime | None = None) -> str:
    """The zone's offset now, as "UTC+01:00" (summer time changes it)."""
    offset = (at or timezone.now()).astimezone(zoneinfo.ZoneInfo(key)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def choices(current: str = "", at: datetime | None = None) -> Choices:
    """Form choices: the common zones, then one group per region; ``current``
    is kept when it is an alias the groups leave out."""
    at = at or timezone.now()
    common = [(key, f"{label} ({utc_offset(key, at)})") for key, label in COMMON]
    listed: Choices = [(str(_("Common")), common)]
    known = {key for key, _label in COMMON}
    for region, keys in _regional_zones().items():
        group = [
            (key, f"{place_name(key)} ({utc_offset(key, at)})")
            for key in keys
            if key not in known
        ]
        known.update(keys)
        listed.append((str(REGIONS[region]), group))
    if current and current not in known:
        listed.insert(0, (current, current))
    return listed
