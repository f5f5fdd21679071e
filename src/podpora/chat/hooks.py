from podpora.chat import broadcast
from podpora.tickets.hooks import TicketChange


def on_ticket_change(change: TicketChange) -> None:
    """Open desk pages refresh when a ticket is created or changes; the pages
    of that very ticket also hear who changed it and how."""
    broadcast.send_on_commit(
        broadcast.DESK_GROUP,
        {"event": "ticket", "number": change.ticket.number, "action": change.action},
    )
    actor = change.actor
    broadcast.send_on_commit(
        broadcast.ticket_group(change.ticket.pk),
        {
            "event": "changed",
            "ticket": change.ticket.number,
            "action": change.action,
            "user": actor.pk if actor else None,
            "name": actor.display_name if actor else change.via,
        },
    )
