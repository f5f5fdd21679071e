import pytest

from podpora.tickets import services as ticket_services
from podpora.tickets.models import Status


@pytest.fixture
def resolve(tomasz, django_capture_on_commit_callbacks):
    """Resolve a ticket as Tomasz and run what waits for the commit (the mail)."""

    def _resolve(ticket, actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            return ticket_services.change_status(
                ticket, Status.RESOLVED, actor=actor or tomasz
            )

    return _resolve


@pytest.fixture
def resolved_ticket(adam, open_ticket_for, service_desk, tomasz, resolve):
    ticket = open_ticket_for(adam, "Drukarka nie drukuje", team=service_desk)
    ticket_services.add_reply(ticket, author=tomasz, body_text="Wymieniono toner.")
    return resolve(ticket)


@pytest.fixture(autouse=True)
def _only_survey_mail(settings):
    """These tests read the outbox for survey mail alone: the mail channel's
    own notices (acknowledgements, "resolved") are tested in tests/mail."""
    settings.PODPORA_TICKET_HOOKS = [
        hook
        for hook in settings.PODPORA_TICKET_HOOKS
        if not hook.startswith("podpora.mail.")
    ]
