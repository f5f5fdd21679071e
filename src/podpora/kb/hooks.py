"""The knowledge base's reaction to ticket changes (``PODPORA_TICKET_HOOKS``)."""

from podpora.kb import services
from podpora.tickets.hooks import TicketChange
from podpora.tickets.models import Channel


def on_ticket_change(change: TicketChange) -> None:
    """A request sent from the portal after its author opened suggested
    articles means those articles did not deflect it."""
    ticket = change.ticket
    if change.action == "opened" and ticket.channel == Channel.PORTAL:
        services.note_request_sent_by(ticket.requester, at=ticket.created_at)
