"""Saved views: filters and a sort an agent keeps under a name, for herself
or shared with one of her teams.

A view stores a filter of the one filter language (``search.filters``) and
shows, like every list, only what its viewer may see (``visible_to``): "me"
and "my teams" in a shared view mean whoever looks at it. Its owner renames
and deletes it; supervisors (who see every ticket) manage shared views too.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.desk.models import SavedView
from podpora.desk.queues import known_sort
from podpora.search.filters import TicketFilters

MAX_NAME = 80


class SavedViewError(ValueError):
    """A saved view could not be made or changed; the message says why."""


def visible_views(user: User) -> QuerySet[SavedView]:
    """The user's own views and those shared with a team of theirs (every
    shared view for those who see every ticket)."""
    shared = Q(team__isnull=False, team__is_active=True)
    if not can(user, Right.SEE_ALL_TICKETS):
        shared &= Q(team__agents=user)
    return (
        SavedView.objects.filter(Q(owner=user, team__isnull=True) | shared)
        .select_related("team")
        .distinct()
        .order_by("name", "pk")
    )


def may_manage(user: User, view: SavedView) -> bool:
    return view.owner_id == user.pk or (
        view.is_shared and can(user, Right.SEE_ALL_TICKETS)
    )


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SavedViewError(_("Give the view a name."))
    if len(name) > MAX_NAME:
        raise SavedViewError(
            _("A view's name has at most %(max)d characters.") % {"max": MAX_NAME}
        )
    return name


def create_view(
    owner: User,
    *,
    name: str,
    filters: TicketFilters,
    sort: str = "",
    team: Team | None = None,
) -> SavedView:
    """Save ``filters`` and ``sort`` as a view of ``owner``'s, shared with
    ``team`` (one of ``owner``'s active teams) or not."""
    if team is not None and not (
        team.is_active and team.agents.filter(pk=owner.pk).exists()
    ):
        raise SavedViewError(_("You can share a view only with a team of yours."))
    return SavedView.objects.create(
        owner=owner,
        team=team,
        name=_clean_name(name),
        query=filters.query_string(),
        sort=known_sort(sort) if sort else "",
    )


def rename_view(view: SavedView, *, actor: User, name: str) -> SavedView:
    if not may_manage(actor, view):
        raise SavedViewError(_("Only its owner or a supervisor may change this view."))
    view.name = _clean_name(name)
    view.save(update_fields=["name"])
    return view


def delete_view(view: SavedView, *, actor: User) -> None:
    if not may_manage(actor, view):
        raise SavedViewError(_("Only its owner or a supervisor may delete this view."))
    view.delete()
