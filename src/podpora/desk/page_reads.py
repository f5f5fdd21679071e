"""What the agent's ticket page reads besides the ticket and its thread.

Small value queries, each compiled once per process (``desk.compiled``)
and filled in with the ticket's or the user's id: built through the ORM
they cost about half a millisecond each for a few rows. Only the SQL is
kept; every value is read for the page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from podpora.accounts.models import User
from podpora.desk.compiled import ORM_ONLY, Inputs, compiled
from podpora.desk.forms import active_categories, active_teams, agents
from podpora.desk.models import CannedReply
from podpora.tickets.models import LinkKind, Ticket, TicketLink


def watching(ticket: Ticket, user: User) -> bool:
    """From the ticket's own query when it was read ``with_watching``."""
    read = getattr(ticket, "watched_by_user", None)
    if read is not None:
        return bool(read)
    return ticket.watchers.filter(pk=user.pk).exists()


@dataclass(frozen=True, slots=True)
class Agent:
    """What the page shows of an agent: the assignee select, the mention
    list."""

    pk: int
    email: str
    display_name: str


@dataclass(frozen=True, slots=True)
class CannedChoice:
    """A canned reply in the picker: its body is read only when chosen."""

    pk: int
    title: str
    owner_id: int | None


def _values(
    name: str,
    build: Callable[[Inputs], QuerySet[Any]],
    ticket: Ticket | None,
    **more: int,
) -> list[tuple[Any, ...]]:
    inputs = more if ticket is None else {"ticket": ticket.pk, **more}
    query = compiled(("ticket page", name), build, inputs)
    if query is ORM_ONLY:
        return list(build(inputs))
    return query.rows(inputs)


def _agents_query(inputs: Inputs) -> QuerySet[Any]:
    return agents().values_list("pk", "email", "full_name")


def _canned_query(inputs: Inputs) -> QuerySet[Any]:
    return CannedReply.objects.usable_by(inputs["user"]).values_list(
        "pk", "title", "owner_id"
    )


def _teams_query(inputs: Inputs) -> QuerySet[Any]:
    return active_teams().values_list("pk", "name")


def _categories_query(inputs: Inputs) -> QuerySet[Any]:
    return active_categories().values_list("pk", "name")


def _ticket_id(inputs: Inputs) -> int:
    return cast(int, inputs["ticket"])


def _tags_query(inputs: Inputs) -> QuerySet[Any]:
    # As ``ticket.tags``: in the tags' order, by name.
    return (
        Ticket.tags.through.objects.filter(ticket_id=_ticket_id(inputs))
        .order_by("tag__name")
        .values_list("tag__name")
    )


def _cc_query(inputs: Inputs) -> QuerySet[Any]:
    return Ticket.cc.through.objects.filter(ticket_id=_ticket_id(inputs)).values_list(
        "user__email"
    )


def _merged_query(inputs: Inputs) -> QuerySet[Any]:
    return Ticket.objects.filter(merged_into_id=_ticket_id(inputs)).values_list(
        "number"
    )


def _links_query(inputs: Inputs) -> QuerySet[Any]:
    return (
        TicketLink.objects.filter(
            Q(source_id=_ticket_id(inputs)) | Q(target_id=_ticket_id(inputs))
        )
        .order_by("pk")
        .values_list(
            "source_id",
            "kind",
            "source__number",
            "source__subject",
            "source__status",
            "target__number",
            "target__subject",
            "target__status",
        )
    )


def links(ticket: Ticket) -> list[tuple[str, Ticket]]:
    """The ticket's links in both directions, read in one query: those it is
    the source of first, then those it is the target of. The other ticket
    is only shown (number, subject, status), so it is made from those three
    values rather than read whole twice per link."""
    outgoing: list[tuple[str, Ticket]] = []
    incoming: list[tuple[str, Ticket]] = []
    for row in _values("links", _links_query, ticket):
        (
            source_id,
            kind,
            s_number,
            s_subject,
            s_status,
            t_number,
            t_subject,
            t_status,
        ) = cast(tuple[int, str, int, str, str, int, str, str], row)
        parent = kind == LinkKind.PARENT
        if source_id == ticket.pk:
            other = Ticket(number=t_number, subject=t_subject, status=t_status)
            outgoing.append((_("Child") if parent else _("Related"), other))
        else:
            other = Ticket(number=s_number, subject=s_subject, status=s_status)
            incoming.append((_("Parent") if parent else _("Related"), other))
    return outgoing + incoming


def tag_names(ticket: Ticket) -> list[str]:
    return [name for (name,) in _values("tags", _tags_query, ticket)]


def cc_addresses(ticket: Ticket) -> list[str]:
    return [email for (email,) in _values("cc", _cc_query, ticket)]


def merged_numbers(ticket: Ticket) -> list[int]:
    return [number for (number,) in _values("merged", _merged_query, ticket)]


def agent_list() -> list[Agent]:
    return [
        Agent(pk, email, full_name or email)  # as User.display_name
        for pk, email, full_name in _values("agents", _agents_query, None)
    ]


def team_options() -> list[tuple[int, str]]:
    """(pk, name) of the active teams: a team's label is its name."""
    return cast(list[tuple[int, str]], _values("teams", _teams_query, None))


def category_options() -> list[tuple[int, str]]:
    """(pk, name) of the active categories: a category's label is its name."""
    return cast(list[tuple[int, str]], _values("categories", _categories_query, None))


def canned_choices(user: User) -> list[CannedChoice]:
    return [
        CannedChoice(*row)
        for row in _values("canned", _canned_query, None, user=user.pk)
    ]
