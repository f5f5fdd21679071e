"""The surveys' reaction to ticket changes (``PODPORA_TICKET_HOOKS``)."""

from podpora.core.outbox import enqueue_after_commit
from podpora.surveys import services
from podpora.tickets.hooks import TicketChange
from podpora.tickets.models import Status


def on_ticket_change(change: TicketChange) -> None:
    """Invite the requester to rate a resolution, once the change is committed.

    A ticket closed straight from an open status counts as resolved too; one
    closed after it was resolved was already surveyed."""
    resolved = any(
        event.field == "status"
        and (
            event.new_value == Status.RESOLVED
            or (event.new_value == Status.CLOSED and event.old_value != Status.RESOLVED)
        )
        for event in change.events
    )
    if not resolved:
        return
    survey = services.start_survey(change.ticket)
    if survey is None or survey.sent_at is not None:
        return
    from podpora.surveys import tasks

    survey_id = survey.pk
    enqueue_after_commit(tasks.send_survey, survey_id)
