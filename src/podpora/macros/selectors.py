"""Reads shared by the macro screens, the ticket page, the bulk panel and the API."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.desk.compiled import ORM_ONLY, Inputs, compiled
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


def _choices_query(inputs: Inputs) -> QuerySet[Any]:
    return Macro.objects.usable_by(inputs["user"]).values_list(
        "pk", "title", "owner_id"
    )


def choices_for(user: User) -> tuple[MacroChoice, ...]:
    """The ticket page's and the bulk panel's list: one small query, compiled
    once per process as the page's other lists are (``desk.compiled``)."""
    if not can(user, Right.WORK_TICKETS):
        return ()
    inputs = {"user": user.pk}
    query = compiled(("macros", "choices"), _choices_query, inputs)
    rows = list(_choices_query(inputs)) if query is ORM_ONLY else query.rows(inputs)
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
