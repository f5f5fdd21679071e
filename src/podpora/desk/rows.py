"""What a queue row shows, read in one query (``desk/queue.html`` writes it).

Names and tags come from scalar subqueries rather than joins and a prefetch:
PostgreSQL then plans a two-table query instead of a six-table join (3 ms of
planning against 0.3 ms of execution) and evaluates them only for the rows on
the page. Nothing is cached: every row is the ticket as just read, so a
changed ticket (or a renamed requester, team or tag) shows at once.
"""

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, TypedDict

from django.db.models import (
    BooleanField,
    CharField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import dateformat, formats, timezone

from podpora.accounts.models import Organization, Team, User
from podpora.automation.templatetags.automation_sla import badge_state
from podpora.tickets.models import Priority, Status, Ticket

# Tag names are whitespace-normalised when saved (``tickets.services``), so
# this control character (whitespace to Python) never occurs inside one.
TAG_SEPARATOR = "\x1f"


def _name_of(model: type[Any], key: str, shown: Any) -> Subquery:
    found = model.objects.filter(pk=OuterRef(key))
    if isinstance(shown, str):
        return Subquery(found.values(shown)[:1])
    return Subquery(found.values(shown_name=shown)[:1])


def _person(key: str) -> Subquery:
    # ``User.display_name``: the full name, else the address.
    return _name_of(
        User,
        key,
        Coalesce(
            NullIf(F("full_name"), Value("")), F("email"), output_field=CharField()
        ),
    )


def _tag_names() -> Subquery:
    links = (
        Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"))
        .order_by()
        .values("ticket_id")
        .annotate(names=StringAgg("tag__name", Value(TAG_SEPARATOR)))
        .values("names")  # type: ignore[misc]  # an annotation, which the stubs miss
    )
    return Subquery(links)


@functools.cache
def _row_annotations() -> dict[str, Any]:
    """The columns a row adds to the ticket's own, built once: every
    queryset that uses an expression works on its own copy of it."""
    return {
        "requester_name": _person("requester_id"),
        "organization_name": _name_of(Organization, "organization_id", "name"),
        "team_name": _name_of(Team, "team_id", "name"),
        "assignee_name": _person("assignee_id"),
        "tag_names": _tag_names(),
        # A clock the sweep marked breached is no longer "next": the row
        # reads the flags too, or a breached ticket would show no badge.
        "sla_breached": ExpressionWrapper(
            Q(sla__first_response_breached=True)
            | Q(sla__next_response_breached=True)
            | Q(sla__resolution_breached=True),
            output_field=BooleanField(),
        ),
    }


def shown_columns(tickets: QuerySet[Ticket]) -> QuerySet[Any]:
    """What a row shows of each of an ordered queue's ``tickets`` (annotated
    with ``next_breach_at``), as dicts: one query, no model instances."""
    # The annotations, passed as a dict, are hidden from the stubs' plugin.
    return tickets.annotate(**_row_annotations()).values(  # type: ignore[misc]
        "pk",
        "number",
        "subject",
        "status",
        "priority",
        "updated_at",
        "next_breach_at",
        "sla_breached",
        "requester_name",
        "organization_name",
        "team_name",
        "assignee_name",
        "tag_names",
    )


class QueueRow(TypedDict):
    """One row as the template shows it: its link and date already written
    out, so the template's loop only places values. A dict, not an object:
    the template language looks a name up as a key first, and an object
    makes each of a row's twenty lookups fail once before ``getattr``."""

    number: int
    url: str
    subject: str
    status: str
    priority: int
    updated_at: dt.datetime
    updated_iso: str  # in the user's time zone
    updated_text: str  # SHORT_DATETIME_FORMAT of the user's language
    requester: str
    organization: str | None
    team: str | None
    assignee: str | None
    tags: list[str]
    sla: str  # "breached", "at_risk" or ""
    status_label: str
    priority_label: str


# Stands for the number in the one ticket URL reversed per page.
_NUMBER = 999999999


def queue_rows(found: Iterable[dict[str, Any]], now: dt.datetime) -> list[QueueRow]:
    """The rows :func:`shown_columns` read, with the SLA badge each shows
    (``now``: one clock reading for the page).

    What is the same for every row is looked up once here rather than per
    row in the template (where ``{% url %}`` and the ``date`` filter cost
    most of a row's time): the ticket URL (one ``reverse``, the number put
    in), the labels, the time zone and the date format.
    """
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    ticket_url = reverse("desk:ticket", args=[_NUMBER])
    zone = timezone.get_current_timezone()
    short_datetime = formats.get_format("SHORT_DATETIME_FORMAT")
    rows = []
    for row in found:
        updated = row["updated_at"].astimezone(zone)
        rows.append(
            QueueRow(
                number=row["number"],
                url=ticket_url.replace(str(_NUMBER), str(row["number"])),
                subject=row["subject"],
                status=row["status"],
                priority=row["priority"],
                updated_at=row["updated_at"],
                updated_iso=updated.isoformat(),
                updated_text=dateformat.format(updated, short_datetime),
                requester=row["requester_name"],
                organization=row["organization_name"],
                team=row["team_name"],
                assignee=row["assignee_name"],
                tags=sorted(row["tag_names"].split(TAG_SEPARATOR))
                if row["tag_names"]
                else [],
                sla="breached"
                if row["sla_breached"]
                else badge_state(row["next_breach_at"], now),
                status_label=statuses.get(row["status"], row["status"]),
                priority_label=priorities.get(row["priority"], str(row["priority"])),
            )
        )
    return rows
