import pytest
from django.urls import reverse

from podpora.tickets import services
from podpora.tickets.models import Priority
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_desk_speaks_polish_to_an_agent_who_chose_it(tomasz, printer_ticket):
    tomasz.language = "pl"
    tomasz.save()
    services.update_ticket(printer_ticket, actor=tomasz, priority=Priority.URGENT)
    client = signed_in(tomasz)
    session = client.session
    session["podpora_language"] = "pl"
    session.save()
    queue = client.get(reverse("desk:queue", args=["open"])).text
    for text in (
        "Wszystkie otwarte",
        "Nieprzypisane w moich zespołach",
        "Nowe",
        "Pilny",
    ):
        assert text in queue
    page = client.get(reverse("desk:ticket", args=[printer_ticket.number])).text
    for text in ("Notatka wewnętrzna", "Wyślij odpowiedź", "Historia", "Eskaluj"):
        assert text in page
    assert "Tomasz Wiśniewski zmienił(a) priorytet: Normalny → Pilny" in page


def test_desk_follows_the_browsers_czech_when_no_language_is_chosen(
    petra, open_ticket_for, bara, infrastructure
):
    petra.language = ""
    petra.save()
    ticket = open_ticket_for(bara, "Tiskárna netiskne", team=infrastructure)
    client = signed_in(petra)
    queue = client.get(
        reverse("desk:queue", args=["open"]), HTTP_ACCEPT_LANGUAGE="cs"
    ).text
    for text in ("Všechny otevřené", "Nový", "Střední", "Tikety 1–1"):
        assert text in queue
    page = client.get(
        reverse("desk:ticket", args=[ticket.number]), HTTP_ACCEPT_LANGUAGE="cs"
    ).text
    assert "Interní poznámka" in page
    assert "Odeslat odpověď" in page
    assert "Předat výš (další linie)" in page
