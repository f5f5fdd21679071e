import pytest
from django.urls import reverse

from podpora.accounts.models import User
from podpora.tickets.models import Channel, MessageKind, Ticket
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_caller_search_finds_customers_by_name_email_or_phone(
    tomasz_client, adam, bara
):
    adam.phone = "+48 601 234 567"
    adam.save()
    for term in ("Nowak", "adam@kow", "601 234", "601234567", "+48601-234"):
        response = tomasz_client.get(reverse("desk:caller_search"), {"q": term})
        assert "Adam Nowak" in response.text, term
        assert "Barbora" not in response.text


def test_caller_search_never_lists_agents(tomasz_client, petra):
    response = tomasz_client.get(reverse("desk:caller_search"), {"q": "petra"})
    assert "Petra" not in response.text


def test_caller_search_is_closed_to_customers(anna):
    response = signed_in(anna).get(reverse("desk:caller_search"), {"q": "ad"})
    assert response.status_code == 404


def test_phone_call_for_known_caller_becomes_phone_ticket(
    tomasz, tomasz_client, adam, service_desk
):
    response = tomasz_client.post(
        reverse("desk:intake"),
        {
            "requester": adam.pk,
            "subject": "Outlook się zawiesza",
            "notes": "Dzwonił o 9:10, Outlook zawiesza się przy starcie.",
            "priority": 3,
            "team": service_desk.pk,
            "remote_session_id": "AnyDesk 111 222 333",
            "assign_to_me": "on",
        },
    )
    ticket = Ticket.objects.get(subject="Outlook się zawiesza")
    assert response["Location"] == reverse("desk:ticket", args=[ticket.number])
    assert ticket.channel == Channel.PHONE
    assert ticket.requester == adam
    assert ticket.organization == adam.memberships.get().organization
    assert ticket.assignee == tomasz
    assert ticket.remote_session_id == "AnyDesk 111 222 333"
    first = ticket.messages.get()
    assert first.kind == MessageKind.CUSTOMER
    assert "Dzwonił o 9:10" in first.body_text
    assert ticket.events.get(kind="created").actor == tomasz
    # The notes are the agent's account of the call, not the caller's words.
    assert first.author == tomasz
    assert first.data["account_of_call"] is True
    page = tomasz_client.get(response["Location"]).text
    assert "Agent's account of the call" in page


def test_phone_call_from_new_caller_creates_the_customer(tomasz_client, org_a):
    tomasz_client.post(
        reverse("desk:intake"),
        {
            "caller_name": "Ewa Lis",
            "caller_email": "Ewa.Lis@kowalski.pl",
            "caller_phone": "+48 500 100 200",
            "subject": "Nowy laptop",
            "notes": "Potrzebuje konfiguracji.",
            "priority": 2,
        },
    )
    ewa = User.objects.get(email="ewa.lis@kowalski.pl")
    assert ewa.is_customer
    assert ewa.phone == "+48 500 100 200"
    ticket = Ticket.objects.get(subject="Nowy laptop")
    assert ticket.requester == ewa
    assert ticket.organization == org_a
    assert ticket.assignee is None


def test_phone_call_without_any_caller_is_refused_and_nothing_lost(tomasz_client):
    response = tomasz_client.post(
        reverse("desk:intake"),
        {"subject": "Bez dzwoniącego", "notes": "Ważne notatki", "priority": 2},
    )
    assert response.status_code == 400
    assert "Choose a known caller" in response.text
    assert "Ważne notatki" in response.text
    assert not Ticket.objects.exists()


def test_phone_intake_cannot_pick_an_agent_as_caller(tomasz_client, petra):
    response = tomasz_client.post(
        reverse("desk:intake"),
        {"requester": petra.pk, "subject": "x", "notes": "y", "priority": 2},
    )
    assert response.status_code == 400
    assert not Ticket.objects.exists()
