"""What the agent's ticket page reads besides the ticket and its thread:
small value reads, each one plain ORM query."""

from dataclasses import dataclass
from typing import cast

from django.db.models import Q
from django.utils.translation import gettext as _

from podpora.accounts.models import User
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


def links(ticket: Ticket) -> list[tuple[str, Ticket]]:
    """The ticket's links in both directions, read in one query: those it is
    the source of first, then those it is the target of. The other ticket
    is only shown (number, subject, status), so it is made from those three
    values rather than read whole twice per link."""
    rows = (
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
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
    outgoing: list[tuple[str, Ticket]] = []
    incoming: list[tuple[str, Ticket]] = []
    for row in rows:
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
    return list(ticket.tags.order_by("name").values_list("name", flat=True))


def cc_addresses(ticket: Ticket) -> list[str]:
    return list(ticket.cc.values_list("email", flat=True))


def merged_numbers(ticket: Ticket) -> list[int]:
    return list(ticket.merged_tickets.values_list("number", flat=True))


def agent_list() -> list[Agent]:
    return [
        Agent(pk, email, full_name or email)  # as User.display_name
        for pk, email, full_name in agents().values_list("pk", "email", "full_name")
    ]


def team_options() -> list[tuple[int, str]]:
    """(pk, name) of the active teams: a team's label is its name."""
    return cast(list[tuple[int, str]], list(active_teams().values_list("pk", "name")))


def category_options() -> list[tuple[int, str]]:
    """(pk, name) of the active categories: a category's label is its name."""
    return cast(
        list[tuple[int, str]], list(active_categories().values_list("pk", "name"))
    )


def canned_choices(user: User) -> list[CannedChoice]:
    return [
        CannedChoice(*row)
        for row in CannedReply.objects.usable_by(user).values_list(
            "pk", "title", "owner_id"
        )
    ]
