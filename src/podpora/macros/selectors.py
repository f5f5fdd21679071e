"""Reads shared by the macro screens, the ticket page, the bulk panel and the API."""

from dataclasses import dataclass

from django.db.models import QuerySet

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.macros.models import Macro


@dataclass(frozen=True, slots=True)
class MacroChoice:
    """A macro in a picker: hashable, so the bulk panel can be kept per list."""

    pk: int
    title: str
    shared: bool


def usable_by(user: User) -> QuerySet[Macro]:
    """The macros ``user`` may apply: shared ones and their own."""
    if not can(user, Right.WORK_TICKETS):
        return Macro.objects.none()
    return Macro.objects.usable_by(user)


def choices_for(user: User) -> tuple[MacroChoice, ...]:
    """The ticket page's and the bulk panel's list: one small query."""
    if not can(user, Right.WORK_TICKETS):
        return ()
    rows = Macro.objects.usable_by(user).values_list("pk", "title", "owner_id")
    return tuple(
        MacroChoice(pk, title, owner_id is None) for pk, title, owner_id in rows
    )


def can_share(user: User) -> bool:
    """Shared macros are kept by those who keep the shared canned replies."""
    return can(user, Right.MANAGE_AUTOMATION)


def editable_by(user: User) -> QuerySet[Macro]:
    """The user's own macros, and the shared ones if they may share."""
    if can_share(user):
        return usable_by(user)
    return usable_by(user).filter(owner=user)


def settable_teams(user: User) -> QuerySet[Team]:
    """The teams a macro of ``user`` may route a ticket to: the active
    teams, as the ticket page's properties offer every agent."""
    if not can(user, Right.WORK_TICKETS):
        return Team.objects.none()
    return Team.objects.filter(is_active=True).order_by("tier", "name")
