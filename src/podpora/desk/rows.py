"""Queue rows: fetched as plain tuples and written out by one Python function.

A queue page shows 50 rows of ten cells each. Through the template engine,
that was most of the page's time (a URL reversed, two dates formatted, an
include and a few dozen variable look-ups per row); here each row costs one
string format (the date format is compiled once: ``dateformats``). Nothing is cached: every row is built from the row just read,
so a changed ticket (or a renamed requester, team or tag) shows at once.

The markup is the one the template had, cell for cell; ``escape`` is applied
to every value that comes from the database.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from types import SimpleNamespace
from typing import Any, cast

from django.core.signals import setting_changed
from django.db import connection
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from podpora.accounts.models import Organization, Team, User
from podpora.automation.templatetags.automation_sla import badge_state
from podpora.desk.dateformats import formatter
from podpora.tickets.models import Priority, Status, Tag, Ticket

_COLUMNS = (
    "pk",
    "number",
    "subject",
    "status",
    "priority",
    "updated_at",
    "next_breach_at",
    "requester_name",
    "organization_name",
    "team_name",
    "assignee_name",
    "tag_names",
)


# Tag names are whitespace-normalised when saved (``tickets.services``), so
# this control character (whitespace to Python) never occurs inside one.
_TAG_SEPARATOR = "\x1f"


def _quoted(model: type[Model], field: str | None = None) -> str:
    """The quoted table name, or the quoted ``table.column`` of a field."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if field is None:
        return table
    column = cast("Field[Any, Any]", model._meta.get_field(field)).column
    return f"{table}.{quote(str(column))}"


@lru_cache(maxsize=4)
def _subqueries(vendor: str) -> dict[str, str]:
    """The SQL of the scalar subqueries that give each row its names and tags.

    Written out rather than built as ORM ``Subquery`` objects: five of those
    cost more Python to assemble on every page than the whole query takes to
    run. Only quoted identifiers from the models go into the text.
    """

    def name_of(
        model: type[Model],
        shown: str,
        key_field: str,
        keyed: type[Model] = Ticket,
    ) -> str:
        return (
            f"SELECT {shown} FROM {_quoted(model)} "  # noqa: S608
            f"WHERE {_quoted(model, 'id')} = {_quoted(keyed, key_field)}"
        )

    # ``User.display_name``: the full name, else the address.
    person = (
        f"COALESCE(NULLIF({_quoted(User, 'full_name')}, ''), {_quoted(User, 'email')})"
    )
    link = Ticket.tags.through
    aggregate = "GROUP_CONCAT" if vendor == "sqlite" else "STRING_AGG"
    return {
        "requester_name": name_of(User, person, "requester"),
        "organization_name": name_of(
            Organization, _quoted(Organization, "name"), "organization"
        ),
        "team_name": name_of(Team, _quoted(Team, "name"), "team"),
        "assignee_name": name_of(User, person, "assignee"),
        # The separator is the query's one parameter. Each tag's name is a
        # look-up by key: as a join, PostgreSQL hashed the whole tag table
        # again for every row.
        "tag_names": (
            f"SELECT {aggregate}(({name_of(Tag, _quoted(Tag, 'name'), 'tag', link)}), %s) "  # noqa: S608
            f"FROM {_quoted(link)} "
            f"WHERE {_quoted(link, 'ticket')} = {_quoted(Ticket, 'id')}"
        ),
    }


def _shown_columns() -> dict[str, RawSQL]:
    return {
        name: RawSQL(sql, (_TAG_SEPARATOR,) if name == "tag_names" else ())  # noqa: S611
        for name, sql in _subqueries(connection.vendor).items()
    }


@dataclass(slots=True)
class QueueRow:
    """What one row of a queue shows."""

    pk: int
    number: int
    subject: str
    status: str
    priority: int
    updated_at: dt.datetime
    next_breach_at: dt.datetime | None
    requester: str
    organization: str | None
    team: str | None
    assignee: str | None
    tag_names: str | None

    @property
    def tags(self) -> list[str]:
        return sorted(self.tag_names.split(_TAG_SEPARATOR)) if self.tag_names else []

    @property
    def reference(self) -> str:
        return f"#{self.number}"


def shown_columns(tickets: QuerySet[Ticket]) -> QuerySet[Any]:
    """What a row shows of each of an ordered queue's ``tickets``, as tuples
    in ``QueueRow`` order: one query, no model instances.

    Names and tags come from scalar subqueries rather than joins and a
    prefetch: PostgreSQL then plans a two-table query instead of a six-table
    join (3 ms of planning against 0.3 ms of execution, on every page view)
    and evaluates them only for the rows on the page. They are written out
    rather than assembled by the ORM: on a page this cheap, its overhead
    is what shows.
    """
    return tickets.annotate(**_shown_columns()).values_list(*_COLUMNS)


@lru_cache(maxsize=64)
def _constants(
    language: str | None, urlconf: str | None, script_prefix: str
) -> tuple[str, str, str, str, dict[str, str], dict[int, str]]:
    """What every row of every page in one language writes alike: the ticket
    URL around its number, and the labels."""
    url_head, url_tail = url_around("desk:ticket", "999999999")
    return (
        url_head,
        url_tail,
        escape(_("Select")),
        f'<span class="muted">{escape(_("Nobody"))}</span>',
        {value: escape(str(label)) for value, label in Status.choices},
        {value: escape(str(label)) for value, label in Priority.choices},
    )


@lru_cache(maxsize=64)
def _url_around(
    name: str, marker: str | None, urlconf: str | None, script_prefix: str
) -> tuple[str, str]:
    if marker is None:
        return reverse(name), ""
    head, tail = reverse(name, args=[marker]).split(marker)
    return head, tail


def url_around(name: str, marker: str | None = None) -> tuple[str, str]:
    """The URL of ``name`` before and after its one argument (``marker``
    stands in for it; ``None``: no argument, all of it before), reversed
    once per process."""
    return _url_around(name, marker, get_urlconf(), get_script_prefix())


def _forget(**kwargs: Any) -> None:
    _constants.cache_clear()
    _url_around.cache_clear()


# Tests change URLs and languages' settings.
setting_changed.connect(_forget, dispatch_uid="desk_rows_forget")


class _Escaped(dict[str, str]):
    """``escaped[text]``: the text escaped, worked out on first use."""

    def __missing__(self, text: str) -> str:
        escaped = self[text] = escape(text)
        return escaped


class RowWriter:
    """Writes rows in the current language and time zone.

    Everything that is the same on every row (the ticket URL around its
    number, labels, the date format, the SLA badges' markup) is looked up
    once, when the writer is made.
    """

    def __init__(self, *, can_bulk: bool) -> None:
        self.can_bulk = can_bulk
        (
            self._url_head,
            self._url_tail,
            self._select,
            self._nobody,
            self._statuses,
            self._priorities,
        ) = _constants(get_language(), get_urlconf(), get_script_prefix())
        self._format_date = formatter(formats.get_format("SHORT_DATETIME_FORMAT"))
        self._zone = timezone.get_current_timezone()
        self._now = timezone.now()
        self._badges: dict[str, str] = {}
        # Names and tags repeat from row to row: each is escaped once.
        self._escaped = _Escaped()

    def _badge(self, state: str) -> str:
        # The badge's markup and wording belong to automation: its partial
        # is rendered once per state and page, not once per row.
        if state not in self._badges:
            minutes = -1 if state == "breached" else 30
            due = self._now + dt.timedelta(minutes=minutes)
            self._badges[state] = render_to_string(
                "automation/partials/sla_badge.html",
                {"ticket": SimpleNamespace(next_breach_at=due)},
            )
        return self._badges[state]

    def row(self, row: QueueRow) -> str:
        escaped = self._escaped
        number = row.number
        url = f"{self._url_head}{number}{self._url_tail}"
        updated = row.updated_at.astimezone(self._zone)
        state = badge_state(row.next_breach_at, self._now)
        tags = (
            "".join(
                [f' <span class="badge tag">{escaped[tag]}</span>' for tag in row.tags]
            )
            if row.tag_names
            else ""
        )
        organization = (
            f'<br><small class="muted">{escaped[row.organization]}</small>'
            if row.organization
            else ""
        )
        checkbox = (
            f'<td><input type="checkbox" name="tickets" value="{number}" '
            f'aria-label="{self._select} #{number}"></td>'
            if self.can_bulk
            else ""
        )
        status = escaped[row.status]
        priority = int(row.priority)
        return (
            f'<tr class="row priority-{priority}">{checkbox}'
            f'<td class="num"><a href="{url}">#{number}</a></td>'
            f'<td class="subject"><a href="{url}">{escape(row.subject)}</a>{tags}</td>'
            f'<td><span class="status status-{status}">'
            f"{self._statuses.get(row.status, status)}</span></td>"
            f'<td><span class="prio prio-{priority}">'
            f"{self._priorities.get(priority, priority)}</span></td>"
            f'<td><time datetime="{updated.isoformat()}">'
            f"{escape(self._format_date(updated))}</time></td>"
            f"<td>{self._badge(state) if state else ''}</td>"
            f"<td>{escaped[row.requester]}{organization}</td>"
            f"<td>{escaped[row.team] if row.team else '—'}</td>"
            f"<td>{escaped[row.assignee] if row.assignee else self._nobody}</td>"
            "</tr>\n"
        )

    def rows(self, rows: Iterable[QueueRow]) -> SafeString:
        return mark_safe("".join([self.row(row) for row in rows]))
