"""The ticket filters of the API's lists (``GET /tickets``, ``GET /search``).

The values are checked by the one filter language (``search.filters``), not
by the schema: a bad value gets the same message as on the desk, as a 422
naming the field.
"""

from ninja import Schema
from ninja.errors import ValidationError
from pydantic import Field

from podpora.search.filters import NAMES, InvalidFilters, TicketFilters, parse

_MANY = "Repeat the name for more than one value."
_WHEN = (
    "A day (2026-01-31; a `_to` day counts in whole), an ISO 8601 moment "
    "(without an offset: UTC) or a number of days ago (7d)."
)


class FilterQuery(Schema):
    status: list[str] = Field(default_factory=list, description=_MANY)
    priority: list[str] = Field(default_factory=list, description=f"1–4. {_MANY}")
    channel: list[str] = Field(default_factory=list, description=_MANY)
    team: str | None = Field(None, description='A team\'s id, "mine" or "none".')
    assignee: str | None = Field(None, description='An agent\'s id, "me" or "none".')
    organization: str | None = Field(None, description="An organisation's id.")
    category: str | None = Field(None, description="A category's id.")
    tag: list[str] = Field(default_factory=list, description=f"Every tag. {_MANY}")
    created_from: str | None = Field(None, description=_WHEN)
    created_to: str | None = Field(None, description=_WHEN)
    updated_from: str | None = Field(None, description=_WHEN)
    updated_to: str | None = Field(None, description=_WHEN)
    breached: str | None = Field(
        None, description="1: an SLA target was missed; 0: none was."
    )
    q: str | None = Field(None, description="Words in the subject, or a number.")

    def filters(self, *, leave_out: tuple[str, ...] = ()) -> TicketFilters:
        """The filters, or a 422 with each wrong field's message."""
        names = {name for name in NAMES if name not in leave_out}
        values = self.model_dump(include=names, exclude_none=True)
        try:
            return parse(values)
        except InvalidFilters as invalid:
            raise ValidationError(
                [
                    {"loc": ["query", name], "msg": " ".join(msgs), "type": "invalid"}
                    for name, msgs in invalid.errors.items()
                ]
            ) from invalid
