"""A small, hand-checkable fortnight of tickets (March 2026, Europe/Warsaw).

Times are set by moving the clock the ticket services read, so every ticket
is created, answered, escalated and resolved through ``tickets.services``.

| ticket | who / org | opened | first reply | resolved | notes |
| --- | --- | --- | --- | --- | --- |
| printer_monday (T2) | Adam / A | Mon 2.3. 09:00 | 09:30 | 11:00 | Printers, Tomasz |
| vpn_escalated (T3) | Bára / B | Tue 3.3. 07:00 | 07:30 | Wed 4.3. 12:00 | urgent, phone, escalated to Petra |
| outlook_reopened (T4) | Anna / A | Wed 4.3. 10:00 | 12:00 (resolves) | reopened Thu 5.3. 09:00 | Tomasz |
| printer_friday (T1) | Adam / A | Fri 6.3. 15:00 | Mon 9.3. 09:00 | Mon 9.3. 10:00 | Printers again: a repeat, Tomasz |
| saturday_open (T5) | Adam / A | Sat 7.3. 10:00 | – | – | unassigned |

Business hours are those of the default SLA policy (``office_hours``): Monday
to Friday 08:00–16:00 in Warsaw, Polish holidays closed.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from podpora.automation.models import BusinessCalendar, SlaPolicy
from podpora.tickets import services
from podpora.tickets.models import Category, Channel, Priority, Status, Ticket

WARSAW = ZoneInfo("Europe/Warsaw")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WARSAW)


class Clock:
    def __init__(self) -> None:
        self.now = at(1, 12)

    def set(self, when: datetime) -> None:
        self.now = when


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    settings.TIME_ZONE = "Europe/Warsaw"
    c = Clock()
    monkeypatch.setattr(services, "_now", lambda: c.now)
    return c


@pytest.fixture
def office_hours(db) -> SlaPolicy:
    """The default SLA policy, without targets, on an office calendar."""
    calendar = BusinessCalendar.objects.create(
        name="Biuro 8-16",
        time_zone="Europe/Warsaw",
        country="PL",
        weekly_hours={str(d): "8:00-16:00" for d in range(5)},
    )
    return SlaPolicy.objects.create(
        name="Office hours", is_default=True, position=1000, calendar=calendar
    )


@dataclass
class Fortnight:
    printer_monday: Ticket
    vpn_escalated: Ticket
    outlook_reopened: Ticket
    printer_friday: Ticket
    saturday_open: Ticket
    printers: Category


@pytest.fixture
def fortnight(
    clock,
    office_hours,
    adam,
    anna,
    bara,
    tomasz,
    petra,
    service_desk,
    infrastructure,
    open_ticket_for,
) -> Fortnight:
    printers = Category.objects.create(name="Drukarki")

    clock.set(at(2, 9))
    t2 = open_ticket_for(
        adam, "Drukarka nie drukuje", team=service_desk, category=printers
    )
    services.assign(t2, tomasz, actor=tomasz)
    clock.set(at(2, 9, 30))
    services.add_reply(t2, author=tomasz, body_text="Sprawdzam.")
    clock.set(at(2, 11))
    services.change_status(t2, Status.RESOLVED, actor=tomasz)

    clock.set(at(3, 7))
    t3 = open_ticket_for(
        bara,
        "VPN nefunguje",
        channel=Channel.PHONE,
        priority=Priority.URGENT,
        team=service_desk,
        actor=tomasz,
    )
    services.assign(t3, tomasz, actor=tomasz)
    clock.set(at(3, 7, 30))
    services.add_reply(t3, author=tomasz, body_text="Díváme se na to.")
    clock.set(at(3, 8))
    services.escalate(t3, actor=tomasz, note="Potřebuje síťaře.")
    services.assign(t3, petra, actor=petra)
    clock.set(at(4, 12))
    services.add_reply(t3, author=petra, body_text="Opraveno.", status=Status.RESOLVED)

    clock.set(at(4, 10))
    t4 = open_ticket_for(anna, "Outlook się zawiesza", team=service_desk)
    services.assign(t4, tomasz, actor=tomasz)
    clock.set(at(4, 12))
    services.add_reply(
        t4, author=tomasz, body_text="Naprawione.", status=Status.RESOLVED
    )
    clock.set(at(5, 9))
    services.add_customer_message(t4, author=anna, body_text="Znowu to samo.")

    clock.set(at(6, 15))
    t1 = open_ticket_for(
        adam, "Drukarka znowu nie drukuje", team=service_desk, category=printers
    )
    services.assign(t1, tomasz, actor=tomasz)
    clock.set(at(9, 9))
    services.add_reply(t1, author=tomasz, body_text="Wymieniamy toner.")
    clock.set(at(9, 10))
    services.change_status(t1, Status.RESOLVED, actor=tomasz)

    clock.set(at(7, 10))
    t5 = open_ticket_for(adam, "Prośba o nowy monitor")

    clock.set(at(20, 12))
    return Fortnight(t2, t3, t4, t1, t5, printers)
