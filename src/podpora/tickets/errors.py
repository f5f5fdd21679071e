"""Domain errors: what a person asked for that the helpdesk will not do.

Views and the API turn these into a clear message (HTTP 4xx), never a 500.
"""


class TicketError(Exception):
    code = "ticket_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidTransition(TicketError):
    code = "invalid_transition"


class InvalidInput(TicketError):
    code = "invalid_input"


class NotAllowed(TicketError):
    code = "not_allowed"


class AttachmentRejected(TicketError):
    code = "attachment_rejected"


class Conflict(TicketError):
    """Someone changed the ticket since the caller last saw it."""

    code = "conflict"
