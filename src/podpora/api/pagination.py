"""Cursor pagination on an indexed sort key.

The cursor is opaque and signed: it carries the sort, the last row's sort
value and its id, so the next page is ``WHERE (key, id) beyond (value, id)``
— stable while rows are added, and as fast on page 1,000 as on page 1.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from podpora.api.errors import ApiError

M = TypeVar("M", bound=Model)

_SALT = "podpora.api.cursor"
MAX_LIMIT = 100
DEFAULT_LIMIT = 25


class PageQuery(Schema):
    """The paging parameters of a list that has one fixed order."""

    cursor: Annotated[str, Field(max_length=512)] | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def paginate[M: Model](
    queryset: QuerySet[M],
    *,
    sort: str,
    allowed: dict[str, str],
    cursor: str | None,
    limit: int,
) -> Page:
    """``allowed`` maps the public sort names to model fields of a datetime or
    integer type (e.g. ``{"-updated": "-updated_at"}``)."""
    if sort not in allowed:
        raise ApiError(
            400,
            "invalid_sort",
            _("Sort by one of: %(fields)s.") % {"fields": ", ".join(sorted(allowed))},
        )
    limit = max(1, min(limit, MAX_LIMIT))
    ordering = allowed[sort]
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    if cursor:
        try:
            data = signing.loads(cursor, salt=_SALT)
            if data["s"] != sort:
                raise ValueError("cursor of another sort")
            value = data["v"]
            if data.get("t") == "dt":
                value = datetime.fromisoformat(value)
            last_id = int(data["i"])
        except (signing.BadSignature, KeyError, TypeError, ValueError) as bad:
            raise ApiError(
                400, "invalid_cursor", _("The cursor is not valid.")
            ) from bad
        op = "lt" if descending else "gt"
        queryset = queryset.filter(
            Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": last_id})
        )
    pk_order = "-pk" if descending else "pk"
    rows = list(queryset.order_by(ordering, pk_order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        value = getattr(last, field)
        next_cursor = signing.dumps(
            {
                "s": sort,
                "v": _encode(value),
                "t": "dt" if isinstance(value, datetime) else "",
                "i": last.pk,
            },
            salt=_SALT,
            compress=True,
        )
    return Page(items=rows, next_cursor=next_cursor)
