"""What a person asked the knowledge base for that it will not do.

Views turn these into a form error or a clear 4xx, never a 500.
"""


class KbError(Exception):
    code = "kb_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidArticle(KbError):
    code = "invalid_article"


class NotAllowed(KbError):
    code = "not_allowed"


class TooManyRequests(KbError):
    code = "rate_limited"


class Conflict(KbError):
    """Someone changed the article since the caller last read it."""

    code = "conflict"
