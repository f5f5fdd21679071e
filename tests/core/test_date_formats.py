"""One date style per language on a page: the ticket's thread, its details
and its SLA clocks all say ``07.12.2026 16:35`` in Polish and Czech and
``07 Dec 2026 16:35`` in English (podpora/formats)."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from podpora.automation.data import install_defaults
from podpora.tickets import services

pytestmark = pytest.mark.django_db

STYLES = {
    "pl": r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}",
    "cs": r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}",
    "en": r"\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}",
}
# Anything that looks like a date or a time of day, in any style.
DATE_LIKE = re.compile(
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:,? \d{1,2}:\d{2}(?: [ap]\.m\.)?)?"
    r"|\d{1,2} [A-Z][a-z]{2,8},? \d{4}(?:,? \d{1,2}:\d{2})?"
    r"|\d{1,2}(?::\d{2})? [ap]\.m\."
)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["pl", "cs", "en"])
def test_the_ticket_page_shows_every_date_in_its_languages_one_style(
    language, tomasz, adam, service_desk, open_ticket_for
):
    install_defaults()  # an SLA policy: the page shows the clocks' due times
    ticket = open_ticket_for(adam, team=service_desk)
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")
    client = Client(headers={"accept-language": language})
    client.force_login(tomasz)
    html = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    dates = DATE_LIKE.findall(_visible_text(html))
    # The thread's two messages and the SLA box's due times at least.
    assert len(dates) >= 4, dates
    assert [d for d in dates if not re.fullmatch(STYLES[language], d)] == []
