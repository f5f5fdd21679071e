"""Turns ticket changes into webhook events (inside the change's transaction)."""

from podpora.integrations.models import WebhookEvent
from podpora.integrations.webhooks import emit
from podpora.tickets.hooks import TicketChange
from podpora.tickets.models import Status

_ACTIONS = {
    "opened": WebhookEvent.TICKET_CREATED,
    "reply": WebhookEvent.TICKET_REPLIED,
    "customer_message": WebhookEvent.TICKET_REPLIED,
    # Announced by the SLA sweep (podpora.automation.sla).
    "sla_warning": WebhookEvent.SLA_WARNING,
    "sla_breached": WebhookEvent.SLA_BREACH,
}


def on_ticket_change(change: TicketChange) -> None:
    data: dict[str, object] = {
        "action": change.action,
        "actor": change.actor.email if change.actor else None,
        "via": change.via,
        "changes": [
            {"field": e.field, "old": e.old_value, "new": e.new_value}
            for e in change.events
            if e.field
        ],
    }
    if change.message is not None and change.message.is_public:
        data["message"] = {
            "id": change.message.pk,
            "kind": change.message.kind,
            "text": change.message.body_text,
        }
    if change.action.startswith("sla_"):
        data["sla"] = [
            {"clock": e.field, "due": e.old_value, "level": e.new_value}
            for e in change.events
        ]
    event = _ACTIONS.get(change.action, WebhookEvent.TICKET_UPDATED)
    emit(event, change.ticket, data)
    closed = any(
        e.field == "status" and e.new_value == Status.CLOSED for e in change.events
    )
    if closed:
        emit(WebhookEvent.TICKET_CLOSED, change.ticket, data)
