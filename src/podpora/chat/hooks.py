from podpora.chat import broadcast
from podpora.tickets.hooks import TicketChange


def on_ticket_change(change: TicketChange) -> None:
    """Open desk pages refresh when a ticket is created or changes."""
    broadcast.send_on_commit(
        broadcast.DESK_GROUP,
        {"event": "ticket", "number": change.ticket.number, "action": change.action},
    )
