import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from podpora.portal import botcheck
from podpora.portal.models import PortalSettings
from podpora.tickets import services
from podpora.tickets.services import IncomingFile

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def client_for(db):
    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def portal_settings(db) -> PortalSettings:
    return PortalSettings.load()


def upload(name: str = "screen.png", content: bytes = PNG, kind: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=kind)


def aged_stamp(seconds: float = 10) -> str:
    """The id of a public form rendered ``seconds`` ago."""
    return botcheck.issue(at=time.time() - seconds)


@pytest.fixture
def conversation(adam, tomasz, open_ticket_for):
    """Adam's ticket with a screenshot, a public reply from Tomasz and an
    internal note that customers must never see."""
    ticket = open_ticket_for(
        adam,
        "Drukarka nie drukuje",
        files=[IncomingFile("zrzut.png", PNG, "image/png")],
    )
    services.add_reply(
        ticket,
        author=tomasz,
        body_text="Proszę wyłączyć i włączyć drukarkę.",
        files=[IncomingFile("instrukcja.txt", b"krok 1", "text/plain")],
    )
    services.add_note(
        ticket,
        author=tomasz,
        body_text="TAJNE: klient ma stary sterownik",
        files=[IncomingFile("wewnetrzny.txt", b"tajne", "text/plain")],
        time_spent_minutes=1357,
    )
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def page_in(request, live_server):
    """``page_in("pl-PL")``: a browser tab whose Accept-Language is that locale."""
    browser = request.getfixturevalue("_playwright_browser")
    contexts = []

    def _open(locale: str):
        context = browser.new_context(
            locale=locale, viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        return tab

    yield _open
    for context in contexts:
        context.close()
