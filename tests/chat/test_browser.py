"""A visitor chats through the widget on another website; an agent answers
from the console and turns the chat into a ticket."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from podpora.chat.models import ChatSession
from podpora.tickets.models import Ticket
from tests.chat.conftest import signed_in_page
from tests.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def customer_site(tmp_path):
    """Somebody else's website, on its own origin, with our widget on it."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _open_widget(browser, customer_site, podpora, widget):
    """The customer's page with the widget on it, opened by a Polish visitor."""
    site_dir, site = customer_site
    widget.allowed_origins = site
    widget.save()
    (site_dir / "index.html").write_text(
        "<!doctype html><html><head><meta charset=utf-8></head><body><h1>Kowalski — sklep</h1>"
        f'<script src="{podpora.url}/static/chat/widget.js" data-podpora-widget="{widget.public_key}" '
        f'data-podpora-server="{podpora.url}" async></script></body></html>',
        encoding="utf-8",
    )
    visitor = browser.new_context(locale="pl-PL").new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(site + "/index.html")
    visitor.get_by_role("button", name="Czat z nami").click()
    return visitor


def test_visitor_and_agent_chat_and_the_chat_becomes_a_ticket(
    _playwright_browser,  # noqa: PT019 -- the shared browser, for two contexts
    start_server,
    customer_site,
    widget,
    available_tomasz,
):
    podpora = start_server()
    visitor = _open_widget(_playwright_browser, customer_site, podpora, widget)
    visitor.get_by_placeholder("Imię i nazwisko").fill("Ewa Nowak")
    visitor.get_by_placeholder("Twój e-mail").fill("ewa@kowalski.pl")
    visitor.get_by_role("button", name="Rozpocznij czat").click()
    visitor.get_by_text("Czekamy na agenta…").wait_for()
    visitor.get_by_placeholder("Napisz wiadomość…").fill(
        "Dzień dobry, nie działa drukarka"
    )
    visitor.keyboard.press("Enter")
    visitor.locator(".msg.visitor", has_text="nie działa drukarka").wait_for()

    agent = signed_in_page(_playwright_browser, podpora, available_tomasz)
    agent.goto(podpora.url + "/chat/console/")
    agent.get_by_text("Ewa Nowak").first.wait_for()
    agent.get_by_role("button", name="Accept").click()
    panel = agent.locator(".chat-panel[data-session]")
    panel.get_by_text("Dzień dobry, nie działa drukarka").wait_for()
    panel.get_by_placeholder("Write a message…").fill("Jaki to model drukarki?")
    panel.get_by_role("button", name="Send").click()

    visitor.locator(".msg.agent", has_text="Jaki to model drukarki?").wait_for()
    visitor.get_by_placeholder("Napisz wiadomość…").fill("HP LaserJet 1020")
    visitor.keyboard.press("Enter")
    panel.get_by_text("HP LaserJet 1020").wait_for()
    screenshot(visitor, "chat-widget-visitor")
    screenshot(agent, "chat-console-agent")

    panel.get_by_text("Actions").click()
    panel.get_by_label("Turn into a new ticket with subject").fill(
        "Drukarka HP nie drukuje"
    )
    panel.get_by_role("button", name="Create ticket").click()
    agent.get_by_text("The chat is on ticket").wait_for()

    ticket = Ticket.objects.get()
    assert ticket.subject == "Drukarka HP nie drukuje"
    assert list(
        ticket.messages.order_by("created_at", "pk").values_list("body_text", flat=True)
    ) == [
        "Dzień dobry, nie działa drukarka",
        "Jaki to model drukarki?",
        "HP LaserJet 1020",
    ]
    assert ChatSession.objects.get().ticket == ticket


def test_outside_business_hours_the_widget_takes_a_message_that_becomes_a_ticket(
    _playwright_browser,  # noqa: PT019 -- the shared browser
    start_server,
    customer_site,
    widget,
    available_tomasz,
):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from podpora.automation.models import BusinessCalendar, ClosedDay

    # Open around the clock except yesterday, today and tomorrow (in Warsaw),
    # so the office is closed whenever this runs, midnight included.
    calendar = BusinessCalendar.objects.create(
        name="Biuro",
        time_zone="Europe/Warsaw",
        country="",
        weekly_hours={str(day): "0:00-24:00" for day in range(7)},
    )
    today = timezone.localtime(timezone.now(), ZoneInfo("Europe/Warsaw")).date()
    for offset in (-1, 0, 1):
        ClosedDay.objects.create(calendar=calendar, date=today + timedelta(offset))
    widget.business_hours = calendar
    podpora = start_server()
    visitor = _open_widget(_playwright_browser, customer_site, podpora, widget)
    visitor.get_by_text("Jesteśmy poza godzinami pracy.").wait_for()
    visitor.get_by_text("Wracamy").wait_for()
    visitor.get_by_placeholder("Imię i nazwisko").fill("Ewa Nowak")
    visitor.get_by_placeholder("Twój e-mail").fill("ewa@kowalski.pl")
    visitor.get_by_placeholder("Napisz wiadomość…").fill("Proszę o kontakt jutro")
    visitor.get_by_role("button", name="Wyślij wiadomość").click()
    visitor.get_by_text("Numer zgłoszenia").wait_for()

    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.requester.email) == (
        "Proszę o kontakt jutro",
        "ewa@kowalski.pl",
    )
    assert not ChatSession.objects.exists()
