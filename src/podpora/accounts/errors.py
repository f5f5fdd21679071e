class AccountError(Exception):
    """A request about people or organisations that cannot be carried out."""

    code = "account_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
