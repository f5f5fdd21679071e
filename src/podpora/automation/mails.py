"""Plain mails to a ticket's requester (rule templates, auto-close notice).

Each message kind is a subject/text template pair, rendered in the
requester's language. The notifications app may later route these through
its outbound log; until then Django's mail sends them directly.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import translation

from podpora.portal.links import follow_url
from podpora.tickets.models import Ticket

TEMPLATES = {"acknowledgement", "out_of_hours", "still_working", "auto_closed"}


def render(ticket: Ticket, template: str) -> tuple[str, str]:
    language = ticket.requester.language or settings.LANGUAGE_CODE
    try:
        link = follow_url(ticket, ticket.requester)
    except NoReverseMatch:  # a deployment without the portal
        link = ""
    context = {"ticket": ticket, "requester": ticket.requester, "follow_url": link}
    with translation.override(language):
        subject = str(
            render_to_string(f"automation/emails/{template}_subject.txt", context)
        )
        body = str(render_to_string(f"automation/emails/{template}_body.txt", context))
    return f"[{ticket.reference}] {' '.join(subject.split())}", body.strip() + "\n"


def send_ticket_mail(ticket_id: int, template: str) -> bool:
    if template not in TEMPLATES:
        raise ValueError(template)
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or not ticket.requester.email or not ticket.requester.is_active:
        return False
    subject, body = render(ticket, template)
    message = EmailMessage(subject, body, to=[ticket.requester.email])
    message.extra_headers["Auto-Submitted"] = "auto-generated"
    message.send()
    return True
