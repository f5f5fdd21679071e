from django import template

from podpora.surveys.selectors import ticket_ratings
from podpora.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("surveys/partials/ticket_rating.html")
def ticket_rating(ticket: Ticket) -> dict:
    """``{% load surveys %}{% ticket_rating ticket %}``: the ticket's ratings
    for the desk (one query)."""
    return {"ticket": ticket, "ratings": ticket_ratings(ticket)}


@register.inclusion_tag("surveys/partials/portal_prompt.html", takes_context=True)
def survey_prompt(context: dict, ticket: Ticket) -> dict:
    """``{% load surveys %}{% survey_prompt ticket %}`` on the portal's ticket
    page: a "rate this request" link for its requester once it is resolved,
    or the rating they gave."""
    from podpora.surveys.services import RATABLE_STATUSES

    request = context.get("request")
    user = getattr(request, "user", None)
    is_requester = (
        user is not None and user.is_authenticated and ticket.requester_id == user.pk
    )
    answered = (
        ticket_ratings(ticket)
        if is_requester and ticket.status in RATABLE_STATUSES
        else []
    )
    current = [r for r in answered if r.survey.resolved_at == ticket.resolved_at]
    return {
        "ticket": ticket,
        "show": is_requester and ticket.status in RATABLE_STATUSES,
        "current": current[0] if current else None,
    }
