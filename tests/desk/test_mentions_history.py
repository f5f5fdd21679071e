import pytest

from podpora.desk.history import describe
from podpora.desk.mentions import find_mentions
from podpora.tickets import services
from podpora.tickets.models import Priority

pytestmark = pytest.mark.django_db


def test_mentions_by_email_full_name_and_unique_first_name(tomasz, petra, sylwia):
    agents = [tomasz, petra, sylwia]
    assert find_mentions("@petra@podpora.test look", agents) == [petra]
    assert find_mentions("cc @Sylwia Zielińska", agents) == [sylwia]
    assert find_mentions("@tomasz can you", agents) == [tomasz]
    assert find_mentions("mail me at x@tomasz", agents) == []
    assert find_mentions("@tomaszek", agents) == []
    assert find_mentions("no mention", agents) == []


def test_history_names_people_teams_and_labels(tomasz, printer_ticket, infrastructure):
    services.update_ticket(
        printer_ticket,
        actor=tomasz,
        priority=Priority.URGENT,
        team=infrastructure,
    )
    lines = [line.text for line in describe(list(printer_ticket.events.all()))]
    assert lines[0] == "Adam Nowak opened the ticket"
    assert "Tomasz Wiśniewski changed priority: Normal → Urgent" in lines
    assert "Tomasz Wiśniewski changed team: Service Desk → Infrastructure" in lines
