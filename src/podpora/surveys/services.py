"""The only code that writes survey data.

Raises ``surveys.errors.SurveyError`` subclasses for bad input.
"""

import logging
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from podpora.accounts.models import User
from podpora.core import ratelimit
from podpora.core.outbox import enqueue_after_commit
from podpora.surveys.errors import (
    AlreadyAnswered,
    InvalidAnswer,
    NotRatable,
    TooManyRequests,
)
from podpora.surveys.models import (
    MAX_RATING,
    MIN_RATING,
    ResponseChannel,
    Survey,
    SurveyResponse,
)
from podpora.tickets import services as ticket_services
from podpora.tickets.models import Status, Ticket

log = logging.getLogger(__name__)

LOW_RATING = 2  # this or fewer stars tells the team lead
MAX_COMMENT = 5000
ANSWERS_PER_HOUR = 20  # per client address, for the no-login link
RATABLE_STATUSES = (Status.RESOLVED, Status.CLOSED)


def _allow(key: str, limit: int, window: timedelta) -> bool:
    return not ratelimit.exceeded(
        "surveys", key, limit=limit, window_seconds=int(window.total_seconds())
    )


def wants_survey(ticket: Ticket) -> bool:
    requester = ticket.requester
    return bool(
        ticket.resolved_at
        and requester.is_active
        and requester.is_customer
        and requester.email
        and ticket.merged_into_id is None
    )


def start_survey(ticket: Ticket) -> Survey | None:
    """The survey for the ticket's current resolution, made once; ``None``
    when the requester is not asked (an agent, an inactive account)."""
    if not wants_survey(ticket) or ticket.resolved_at is None:
        return None
    survey, _created = Survey.objects.get_or_create(
        ticket=ticket,
        resolved_at=ticket.resolved_at,
        defaults={"recipient": ticket.requester},
    )
    return survey


def survey_for_portal(ticket: Ticket, user: User) -> Survey:
    """The survey a signed-in requester answers in the portal: only their own
    ticket, only once it is resolved."""
    if ticket.requester_id != user.pk:
        raise NotRatable(_("Only the requester can rate this ticket."))
    if ticket.status not in RATABLE_STATUSES or ticket.resolved_at is None:
        raise NotRatable(_("A ticket can be rated once it is resolved."))
    survey = start_survey(ticket)
    if survey is None:
        raise NotRatable(_("This ticket cannot be rated."))
    return survey


def _clean(rating: object, comment: str) -> tuple[int, str]:
    try:
        stars = int(str(rating))
    except (TypeError, ValueError):
        stars = 0
    if not MIN_RATING <= stars <= MAX_RATING:
        raise InvalidAnswer(_("Choose from 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidAnswer(
            _("The comment is too long (at most %(max)d characters).")
            % {"max": MAX_COMMENT}
        )
    return stars, comment


@transaction.atomic
def respond(
    survey: Survey,
    *,
    rating: object,
    comment: str = "",
    respondent: User | None = None,
    channel: str = ResponseChannel.LINK,
    client: str = "",
) -> SurveyResponse:
    """Store the answer; a survey takes exactly one."""
    # Every attempt counts, valid or not: the link form is public.
    if client and not _allow(f"answer:{client}", ANSWERS_PER_HOUR, timedelta(hours=1)):
        raise TooManyRequests(_("Too many answers. Please try again later."))
    stars, comment = _clean(rating, comment)
    survey = (
        Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
    )
    if survey.answered_at is not None:
        raise AlreadyAnswered(_("This survey has already been answered. Thank you!"))
    now = timezone.now()
    response = SurveyResponse.objects.create(
        survey=survey,
        ticket=survey.ticket,
        rating=stars,
        comment=comment,
        respondent=respondent or survey.recipient,
        channel=channel,
        created_at=now,
    )
    survey.answered_at = now
    survey.save(update_fields=["answered_at"])
    if stars <= LOW_RATING:
        _record_low_rating(response)
    for receiver in _survey_hooks(tuple(getattr(settings, "PODPORA_SURVEY_HOOKS", ()))):
        receiver(response)
    return response


def _record_low_rating(response: SurveyResponse) -> None:
    """A line in the ticket's thread that agents see, and a mail to the lead."""
    from podpora.surveys import tasks

    ticket = response.ticket
    lead = ticket.team.lead if ticket.team_id and ticket.team else None
    with translation.override((lead and lead.language) or settings.LANGUAGE_CODE):
        text = _("Low satisfaction rating: %(stars)s (%(rating)d/5).") % {
            "stars": response.stars,
            "rating": response.rating,
        }
        if response.comment:
            text += "\n" + _("Comment: %(comment)s") % {"comment": response.comment}
    ticket_services.add_system_message(
        ticket,
        body_text=text,
        via="survey",
        data={"survey_response": response.pk, "rating": response.rating},
    )
    enqueue_after_commit(tasks.notify_low_rating, response.pk)


@cache
def _survey_hooks(paths: tuple[str, ...]) -> tuple:
    return tuple(import_string(path) for path in paths)


def low_rating_recipients(response: SurveyResponse) -> list[User]:
    """The ticket's team lead; without one, the supervisors."""
    from podpora.accounts.models import AgentRole

    team = response.ticket.team
    if team is not None and team.lead is not None and team.lead.is_agent:
        return [team.lead]
    return list(
        User.objects.filter(agent_role=AgentRole.SUPERVISOR, is_active=True).order_by(
            "pk"
        )
    )
