"""Queue pages, saved views and bulk actions."""

from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.desk import queues, saved_views
from podpora.desk.forms import BulkForm, agents
from podpora.desk.models import SavedView
from podpora.desk.rows import queue_rows
from podpora.desk.views.access import agent_required
from podpora.macros import views as macro_views
from podpora.macros.selectors import choices_for as macro_choices
from podpora.search.filters import FilterForm, InvalidFilters, TicketFilters, parse
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Priority, Status
from podpora.tickets.selectors import visible_to


def sidebar_teams(user: User) -> tuple[list[Team], list[int]]:
    """The teams shown in the sidebar and the ids of the user's own teams,
    in one query, kept as long as the sidebar counts."""
    key = f"desk:teams:{user.pk}"
    cached = cache.get(key)
    if cached is None:
        cached = _sidebar_teams(user)
        cache.set(key, cached, queues.COUNT_CACHE_SECONDS)
    return cached


def _sidebar_teams(user: User) -> tuple[list[Team], list[int]]:
    teams = Team.objects.filter(is_active=True).annotate(
        is_mine=Exists(
            Team.agents.through.objects.filter(team=OuterRef("pk"), user=user)
        )
    )
    if not can(user, Right.SEE_ALL_TICKETS):
        teams = teams.filter(agents=user)
    listed: list[Team] = list(teams.order_by("tier", "name"))
    return listed, [t.pk for t in listed if getattr(t, "is_mine", False)]


@require_GET
@agent_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("desk:queue", slug=queues.DEFAULT_QUEUE)


@require_GET
@agent_required
def queue(
    request: HttpRequest, slug: str = "", team_id: int | None = None
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    teams, team_ids = sidebar_teams(user)
    if team_id is not None:
        team = next((t for t in teams if t.pk == team_id), None)
        if team is None:
            raise Http404
        current = queues.team_queue(team)
    else:
        found = queues.QUEUES.get(slug)
        if found is None:
            raise Http404
        current = found
    return _queue_page(
        request,
        teams=teams,
        team_ids=team_ids,
        title=str(current.label),
        key=current.slug,
        base=current.filters,
        default_sort=current.default_sort,
    )


@require_GET
@agent_required
def saved_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    view = get_object_or_404(saved_views.visible_views(user), pk=pk)
    teams, team_ids = sidebar_teams(user)
    return _queue_page(
        request,
        teams=teams,
        team_ids=team_ids,
        title=view.name,
        key=view.key,
        base=view.filters,
        default_sort=view.sort or queues.DEFAULT_SORT,
        view=view,
    )


def _filter_form(request: HttpRequest) -> FilterForm:
    """The filter panel, its options the same for every agent."""
    return FilterForm(request.GET or None).show_all_choices()


def _queue_page(
    request: HttpRequest,
    *,
    teams: list[Team],
    team_ids: list[int],
    title: str,
    key: str,
    base: TicketFilters,
    default_sort: str,
    view: SavedView | None = None,
) -> HttpResponse:
    """A queue or a saved view: its own filter narrowed by the page's."""
    user: User = request.user  # type: ignore[assignment]
    invalid = False
    try:
        chosen = parse(request.GET)
    except InvalidFilters:
        chosen, invalid = TicketFilters(), True  # the open form says why
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    found, has_next, sort = queues.page_rows(
        user, base, chosen, sort=request.GET.get("sort") or default_sort, page=page
    )
    rows = queue_rows(found, timezone.now())
    can_bulk = can(user, Right.BULK_EDIT)
    views = list(saved_views.visible_views(user))
    context: dict[str, Any] = {
        "title": title,
        "current_key": key,
        "sort": sort,
        # Made only if the template's cached markup is missing.
        "form": SimpleLazyObject(lambda: _filter_form(request)),
        "filters_active": invalid or not chosen.is_empty(),
        "sidebar": _sidebar(user, teams, team_ids, views),
        "saved_view": view,
        "may_manage_view": view is not None and saved_views.may_manage(user, view),
        # What "Save view" keeps: the queue's filter and the page's as one.
        "view_query": base.combined(chosen).query_string(),
        "my_teams": [t for t in teams if t.pk in team_ids],
        "rows": rows,
        "can_bulk": can_bulk,
        "agents": SimpleLazyObject(queues.agent_choices),
        "statuses": Status,
        "priorities": Priority,
        "macros": SimpleLazyObject(lambda: macro_choices(user)),
        "column_heads": _column_heads(sort, _query_without(request, "page", "sort")),
        "first_row": (page - 1) * queues.PAGE_SIZE + 1,
        "last_row": (page - 1) * queues.PAGE_SIZE + len(rows),
        "page": page,
        "has_next": has_next,
        "query": _query_without(request, "page"),
    }
    return render(request, "desk/queue.html", context)


def _query_without(request: HttpRequest, *names: str) -> str:
    """The page's query string without ``names``."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _column_heads(sort: str, other_params: str) -> list[dict[str, str]]:
    """A link per sortable column: to sort by it, or to reverse its order."""
    base = f"?{other_params}&sort=" if other_params else "?sort="
    columns = [
        ("number", _("Number")),
        ("subject", _("Subject")),
        ("status", _("Status")),
        ("priority", _("Priority")),
        ("updated", _("Updated")),
        ("breach", _("SLA")),
    ]
    heads = []
    for column, label in columns:
        if sort == column:
            aria_sort, href, arrow = "ascending", f"{base}-{column}", " ▲"
        elif sort == f"-{column}":
            aria_sort, href, arrow = "descending", f"{base}{column}", " ▼"
        else:
            aria_sort, href, arrow = "", f"{base}-{column}", ""
        heads.append(
            {"aria_sort": aria_sort, "href": href, "label": label, "arrow": arrow}
        )
    return heads


def _sidebar(
    user: User, teams: list[Team], team_ids: list[int], views: list[SavedView]
) -> dict[str, list[dict[str, str]]]:
    """The sidebar's links (key, label, URL, count) by group."""
    counts = queues.sidebar_counts(user, teams, team_ids, views)
    cap = queues.COUNT_CAP
    groups = {
        "queues": [
            (slug, str(q.label), reverse("desk:queue", args=[slug]))
            for slug, q in queues.QUEUES.items()
        ],
        "teams": [
            (f"team-{t.pk}", t.name, reverse("desk:team_queue", args=[t.pk]))
            for t in teams
        ],
        "views": [
            (v.key, v.name, reverse("desk:saved_view", args=[v.pk])) for v in views
        ],
    }
    return {
        group: [
            {
                "key": key,
                "label": label,
                "url": url,
                "count_text": f"{cap}+"
                if counts.get(key, 0) > cap
                else str(counts.get(key, 0)),
            }
            for key, label, url in links
        ]
        for group, links in groups.items()
    }


@require_POST
@agent_required
def view_create(request: HttpRequest) -> HttpResponse:
    """Save the page's filters and sort as a view (``query`` holds the
    queue's filter and the page's, as one)."""
    user: User = request.user  # type: ignore[assignment]
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("desk:home")
    raw_team = request.POST.get("team", "")
    team = Team.objects.filter(pk=int(raw_team)).first() if raw_team.isdigit() else None
    if raw_team and team is None:
        messages.error(request, _("You can share a view only with a team of yours."))
        return redirect(back)
    try:
        filters = parse(request.POST.get("query", ""))
        view = saved_views.create_view(
            user,
            name=request.POST.get("name", ""),
            filters=filters,
            sort=request.POST.get("sort", ""),
            team=team,
        )
    except (InvalidFilters, saved_views.SavedViewError) as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("View saved."))
    return redirect("desk:saved_view", pk=view.pk)


@require_POST
@agent_required
def view_rename(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    view = get_object_or_404(saved_views.visible_views(user), pk=pk)
    try:
        saved_views.rename_view(view, actor=user, name=request.POST.get("name", ""))
    except saved_views.SavedViewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("View renamed."))
    return redirect("desk:saved_view", pk=view.pk)


@require_POST
@agent_required
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    view = get_object_or_404(saved_views.visible_views(user), pk=pk)
    try:
        saved_views.delete_view(view, actor=user)
    except saved_views.SavedViewError as error:
        messages.error(request, str(error))
        return redirect("desk:saved_view", pk=view.pk)
    messages.success(request, _("View deleted."))
    return redirect("desk:home")


@require_POST
@agent_required
def bulk(request: HttpRequest) -> HttpResponse:
    """One service call per ticket; a failure on one is reported and the rest
    still go through."""
    user: User = request.user  # type: ignore[assignment]
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("desk:home")
    if not can(user, Right.BULK_EDIT):
        messages.error(request, _("You are not allowed to change tickets in bulk."))
        return redirect(back)
    if request.POST.get("apply_macro"):
        return macro_views.apply_to_selected(request, back)
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one ticket and an action."))
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    changes: dict = {}
    if action == "assign":
        raw = data.get("assignee") or ""
        if raw == "none":
            changes["assignee"] = None
        elif raw == "me":
            changes["assignee"] = user
        else:
            assignee = agents().filter(pk=int(raw)).first() if raw.isdigit() else None
            if assignee is None:
                messages.error(request, _("Choose whom to assign the tickets to."))
                return redirect(back)
            changes["assignee"] = assignee
    elif action == "status":
        if not data.get("status"):
            messages.error(request, _("Choose a status."))
            return redirect(back)
        changes["status"] = data["status"]
    elif action == "priority":
        if not data.get("priority"):
            messages.error(request, _("Choose a priority."))
            return redirect(back)
        changes["priority"] = data["priority"]
    else:
        changes["status"] = Status.CLOSED
    tickets = list(
        visible_to(user).filter(number__in=data["tickets"]).order_by("number")
    )
    done, failed = 0, []
    for ticket in tickets:
        try:
            with transaction.atomic():
                services.update_ticket(ticket, actor=user, via="desk:bulk", **changes)
            done += 1
        except TicketError as error:
            failed.append(f"{ticket.reference}: {error.message}")
    missing = set(data["tickets"]) - {t.number for t in tickets}
    failed += [f"#{n}: {_('not found')}" for n in sorted(missing)]
    queues.forget_counts(user)
    if done:
        messages.success(
            request,
            ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", done)
            % {"n": done},
        )
    for line in failed:
        messages.error(request, line)
    return redirect(back)


@require_GET
@agent_required
def go(request: HttpRequest) -> HttpResponse:
    """Jump to a ticket by its number (the search box in the header)."""
    raw = request.GET.get("number", "").strip().lstrip("#")
    if raw.isdigit() and visible_to(request.user).filter(number=int(raw)).exists():  # type: ignore[arg-type]
        return redirect("desk:ticket", number=int(raw))
    messages.error(
        request, _("No ticket %(number)s that you can see.") % {"number": raw}
    )
    return redirect("desk:home")
