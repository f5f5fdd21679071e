"""The widget follows the helpdesk's business-hours calendar: outside it (or
on a holiday) it says so and offers to leave a message, which becomes a ticket."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from podpora.automation.models import BusinessCalendar, ClosedDay
from podpora.chat.models import ChatSession
from podpora.tickets.models import Channel, Ticket
from tests.chat.conftest import SHOP

pytestmark = pytest.mark.django_db

# Monday 2 March 2026; Warsaw is UTC+1 in March.
MONDAY_10_WARSAW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONDAY_18_WARSAW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
# Wednesday 11 November 2026, Polish Independence Day, 10:00 in Warsaw.
INDEPENDENCE_DAY_10_WARSAW = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
# Thursday 31 December 2026, a day the office closes, 10:00 in Warsaw.
NEW_YEARS_EVE_10_WARSAW = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)


@pytest.fixture
def office_hours(widget):
    """Monday to Friday 8:00-16:00 in Warsaw with Polish public holidays."""
    calendar = BusinessCalendar.objects.create(
        name="Biuro Warszawa", time_zone="Europe/Warsaw", country="PL"
    )
    ClosedDay.objects.create(
        calendar=calendar, date=date(2026, 12, 31), name="Sylwester"
    )
    widget.business_hours = calendar
    widget.save()
    return calendar


@pytest.fixture
def at(monkeypatch):
    def set_now(instant):
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return set_now


def _config(client, widget):
    response = client.get(
        reverse("chat:config", args=[widget.public_key]), HTTP_ORIGIN=SHOP
    )
    assert response.status_code == 200
    return response.json()


def _start(client, widget):
    return client.post(
        reverse("chat:start", args=[widget.public_key]),
        {"name": "Ewa", "email": "ewa@kowalski.pl"},
        HTTP_ORIGIN=SHOP,
    )


def test_inside_business_hours_with_an_agent_available_chat_is_offered(
    client, widget, office_hours, available_tomasz, at
):
    at(MONDAY_10_WARSAW)
    config = _config(client, widget)
    assert (config["open"], config["closed"]) == (True, "")
    assert "reopens" not in config["texts"]
    assert _start(client, widget).status_code == 200


def test_after_hours_the_widget_says_so_and_when_it_opens_again(
    client, widget, office_hours, available_tomasz, at
):
    at(MONDAY_18_WARSAW)
    config = _config(client, widget)
    assert (config["open"], config["closed"]) == (False, "hours")
    assert config["texts"]["closed"] == (
        "Jesteśmy poza godzinami pracy. Zostaw nam wiadomość, a odpowiemy e-mailem."
    )
    # Tuesday 3 March, 8:00 in Warsaw, in the widget's language (Polish).
    assert "3 marca 2026" in config["texts"]["reopens"]
    assert "08:00" in config["texts"]["reopens"]
    assert "Europe/Warsaw" in config["texts"]["reopens"]

    refused = _start(client, widget)
    assert refused.status_code == 400
    assert refused.json()["code"] == "closed"
    assert not ChatSession.objects.exists()


def test_on_a_public_holiday_the_widget_is_closed_until_the_next_working_day(
    client, widget, office_hours, available_tomasz, at
):
    at(INDEPENDENCE_DAY_10_WARSAW)
    config = _config(client, widget)
    assert (config["open"], config["closed"]) == (False, "hours")
    assert "12 listopada 2026" in config["texts"]["reopens"]


def test_a_closed_day_of_the_calendar_closes_the_chat_too(
    client, widget, office_hours, available_tomasz, at
):
    at(NEW_YEARS_EVE_10_WARSAW)
    config = _config(client, widget)
    assert (config["open"], config["closed"]) == (False, "hours")
    assert "1 stycznia" not in config["texts"]["reopens"]  # New Year's Day is a holiday
    assert "2 stycznia 2027" not in config["texts"]["reopens"]  # a Saturday
    assert "4 stycznia 2027" in config["texts"]["reopens"]


def test_outside_hours_a_left_message_becomes_a_ticket(
    client, widget, office_hours, at
):
    at(MONDAY_18_WARSAW)
    response = client.post(
        reverse("chat:offline", args=[widget.public_key]),
        {"name": "Ewa", "email": "ewa@kowalski.pl", "message": "Proszę o fakturę"},
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert (ticket.channel, ticket.subject) == (Channel.CHAT, "Proszę o fakturę")


def test_inside_hours_with_nobody_available_the_widget_says_nobody_is_there(
    client, widget, office_hours, tomasz, at
):
    tomasz.availability = "away"
    tomasz.save()
    at(MONDAY_10_WARSAW)
    config = _config(client, widget)
    assert (config["open"], config["closed"]) == (False, "busy")
    assert "reopens" not in config["texts"]


def test_without_a_calendar_chat_is_offered_around_the_clock(
    client, widget, available_tomasz, at
):
    at(MONDAY_18_WARSAW)
    assert _config(client, widget)["open"] is True


def test_a_czech_widget_words_the_closed_notice_in_czech(
    client, widget, office_hours, at
):
    widget.language = "cs"
    widget.save()
    at(MONDAY_18_WARSAW)
    texts = _config(client, widget)["texts"]
    assert texts["closed"] == (
        "Jsme mimo pracovní dobu. Zanechte nám zprávu a odpovíme e-mailem."
    )
    assert "3. března 2026" in texts["reopens"]


def test_an_admin_chooses_the_widgets_calendar_on_its_settings_page(
    client, alicja, widget, office_hours
):
    widget.business_hours = None
    widget.save()
    client.force_login(alicja)
    page = client.get(reverse("chat:widget_edit", args=[widget.pk])).content.decode()
    assert "Biuro Warszawa" in page
    response = client.post(
        reverse("chat:widget_edit", args=[widget.pk]),
        {
            "name": widget.name,
            "allowed_origins": SHOP,
            "business_hours": office_hours.pk,
            "language": "pl",
            "color": "#1f5fbf",
            "text_color": "#ffffff",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    widget.refresh_from_db()
    assert widget.business_hours == office_hours


def test_a_closed_day_added_while_the_widget_is_open_closes_it(
    client, widget, office_hours, available_tomasz, at
):
    """The calendar is kept in memory between requests, but not past a change."""
    at(MONDAY_10_WARSAW)
    assert _config(client, widget)["open"] is True
    ClosedDay.objects.create(calendar=office_hours, date=date(2026, 3, 2))
    assert (_config(client, widget)["open"], _config(client, widget)["closed"]) == (
        False,
        "hours",
    )


def test_a_message_left_outside_hours_is_acknowledged_by_mail(
    client, widget, office_hours, at, mailoutbox, django_capture_on_commit_callbacks
):
    at(MONDAY_18_WARSAW)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("chat:offline", args=[widget.public_key]),
            {"name": "Ewa", "email": "ewa@kowalski.pl", "message": "Proszę o fakturę"},
            HTTP_ORIGIN=SHOP,
        )
    number = response.json()["number"]
    [ack] = [m for m in mailoutbox if "ewa@kowalski.pl" in m.to[0]]
    assert f"#{number}" in ack.subject
    assert f"#{number}" in ack.body
