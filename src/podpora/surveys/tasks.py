"""Survey mail, sent after the commit; each task is safe to run twice."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from podpora.accounts.models import User
from podpora.core.reaper import retry_safe
from podpora.surveys import services, tokens
from podpora.surveys.models import MAX_RATING, Survey, SurveyResponse
from podpora.tickets.models import Ticket

log = logging.getLogger(__name__)


def _send(template: str, recipient: User, context: dict, *, ticket: Ticket) -> None:
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject = " ".join(
            render_to_string(f"surveys/email/{template}_subject.txt", context).split()
        )
        text = render_to_string(f"surveys/email/{template}_body.txt", context)
        html = render_to_string(f"surveys/email/{template}_body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Podpora-Ticket": str(ticket.number),
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()


@retry_safe
@task
def send_survey(survey_id: int) -> None:
    # Claim the survey first so that a second run of this task sends nothing;
    # a failed send releases the claim for the retry.
    claimed = Survey.objects.filter(
        pk=survey_id, sent_at__isnull=True, answered_at__isnull=True
    ).update(sent_at=timezone.now())
    if not claimed:
        return
    survey = Survey.objects.select_related("ticket", "recipient").get(pk=survey_id)
    ticket = survey.ticket
    if (
        ticket.status not in services.RATABLE_STATUSES
        or ticket.resolved_at != survey.resolved_at
    ):
        log.info("Survey %s not sent: ticket %s was reopened", survey_id, ticket.number)
        return
    url = tokens.respond_url(survey)
    context = {
        "ticket": ticket,
        "recipient": survey.recipient,
        "respond_url": url,
        "star_links": [
            (f"{url}?rating={n}", "★" * n) for n in range(MAX_RATING, 0, -1)
        ],
        "link_days": tokens.link_max_age().days,
    }
    try:
        _send("survey", survey.recipient, context, ticket=ticket)
    except Exception:
        Survey.objects.filter(pk=survey_id).update(sent_at=None)
        raise


@retry_safe
@task
def notify_low_rating(response_id: int) -> None:
    with transaction.atomic():
        claimed = SurveyResponse.objects.filter(
            pk=response_id, lead_notified_at__isnull=True
        ).update(lead_notified_at=timezone.now())
    if not claimed:
        return
    response = SurveyResponse.objects.select_related(
        "ticket__team__lead", "ticket__requester", "ticket__organization"
    ).get(pk=response_id)
    ticket_path = _desk_ticket_path(response.ticket)
    for recipient in services.low_rating_recipients(response):
        _send(
            "low_rating",
            recipient,
            {
                "response": response,
                "ticket": response.ticket,
                "recipient": recipient,
                "ticket_url": f"{settings.PODPORA_BASE_URL}{ticket_path}"
                if ticket_path
                else "",
            },
            ticket=response.ticket,
        )


def _desk_ticket_path(ticket: Ticket) -> str:
    """The desk's ticket page, if the desk is installed with that URL name."""
    from django.urls import NoReverseMatch

    try:
        return reverse("desk:ticket", kwargs={"number": ticket.number})
    except NoReverseMatch:
        return ""
