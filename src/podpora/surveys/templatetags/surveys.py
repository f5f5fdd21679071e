from django import template

from podpora.surveys.selectors import ticket_ratings
from podpora.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("surveys/partials/ticket_rating.html")
def ticket_rating(ticket: Ticket) -> dict:
    """``{% load surveys %}{% ticket_rating ticket %}``: the ticket's ratings
    for the desk (one query)."""
    return {"ticket": ticket, "ratings": ticket_ratings(ticket)}
