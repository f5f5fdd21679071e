"""Auto-close of resolved tickets the customer did not answer."""

from datetime import timedelta

import pytest
from django.core import mail

from podpora.automation import autoclose
from podpora.tickets import services
from podpora.tickets.models import EventKind, Status, TicketEvent
from tests.automation.conftest import warsaw

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(adam, tomasz, open_ticket_for, frozen_now):
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam, "Drukarka")
    services.add_reply(
        ticket, author=tomasz, body_text="Naprawione.", status=Status.RESOLVED
    )
    return ticket


def test_a_quiet_resolved_ticket_closes_after_n_days_and_the_requester_is_told(
    resolved, django_capture_on_commit_callbacks, frozen_now
):
    frozen_now(warsaw(2026, 1, 12, 9) + timedelta(days=7, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert autoclose.close_resolved(after_days=7) == 1
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED
    closing = TicketEvent.objects.get(
        ticket=resolved, field="status", new_value=Status.CLOSED
    )
    assert closing.via == "auto-close"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["adam@kowalski.pl"]
    # Adam reads Polish.
    assert "zamknęliśmy" in mail.outbox[0].body


def test_not_before_the_days_have_passed(resolved, frozen_now):
    frozen_now(warsaw(2026, 1, 12, 9) + timedelta(days=6))
    assert autoclose.close_resolved(after_days=7) == 0


def test_a_customer_reply_reopens_it_and_keeps_it_open(resolved, adam, frozen_now):
    frozen_now(warsaw(2026, 1, 14, 9))
    services.add_customer_message(resolved, author=adam, body_text="Jednak nie działa.")
    frozen_now(warsaw(2026, 1, 30, 9))
    assert autoclose.close_resolved(after_days=7) == 0
    resolved.refresh_from_db()
    assert resolved.status == Status.OPEN


def test_running_twice_closes_once(
    resolved, frozen_now, django_capture_on_commit_callbacks
):
    frozen_now(warsaw(2026, 1, 30, 9))
    with django_capture_on_commit_callbacks(execute=True):
        assert autoclose.close_resolved(after_days=7) == 1
        assert autoclose.close_resolved(after_days=7) == 0
    assert len(mail.outbox) == 1
    assert (
        TicketEvent.objects.filter(
            ticket=resolved, kind=EventKind.FIELD, new_value=Status.CLOSED
        ).count()
        == 1
    )


def test_zero_days_switches_it_off(resolved, frozen_now, settings):
    settings.PODPORA_AUTO_CLOSE_DAYS = 0
    frozen_now(warsaw(2026, 3, 1, 9))
    assert autoclose.close_resolved() == 0
