"""Queue pages and bulk actions."""

from functools import lru_cache
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from podpora.accounts.context_processors import rights
from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.desk import queues
from podpora.desk.forms import BulkForm, FilterForm, agents, parse_filters
from podpora.desk.rows import RowWriter, url_around
from podpora.desk.templatetags.desk_parts import shared_html
from podpora.desk.views.access import agent_required
from podpora.macros import views as macro_views
from podpora.macros.selectors import choices_for as macro_choices
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
    team = None
    current: queues.Queue | None = None
    if team_id is not None:
        team = next((t for t in teams if t.pk == team_id), None)
        if team is None:
            raise Http404
        title, key = team.name, f"team-{team.pk}"
    else:
        current = queues.QUEUES.get(slug)
        if current is None:
            raise Http404
        title, key = str(current.label), slug
    # Agents are listed only when a select needs them (a cached filter form
    # or the bulk panel), so a plain page view does not query them.
    agent_list = SimpleLazyObject(queues.agent_choices)
    filters = parse_filters(request.GET, agent_list)
    # The form is made only if its cached markup is missing (queue.html).
    form = SimpleLazyObject(
        lambda: FilterForm(request.GET or None, agent_list=agent_list)
    )
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows, has_next, sort = queues.page_rows(
        user,
        current,
        team=team,
        team_ids=team_ids,
        filters=filters,
        sort=request.GET.get("sort", queues.DEFAULT_SORT),
        page=page,
    )
    can_bulk = can(user, Right.BULK_EDIT)
    # One masked token for the page (the bulk form's and the template's).
    csrf = get_token(request)
    table = _queue_table(
        request,
        csrf=csrf,
        title=title,
        rows_html=RowWriter(can_bulk=can_bulk).rows(rows) if rows else None,
        column_heads=_column_heads(sort, _query_without(request, "page", "sort")),
        bulk_panel=(
            shared_html(
                "desk/partials/bulk_panel.html",
                rights=rights(request)["rights"],
                is_staff=user.is_staff,
                agents=agent_list,
                # The enums, not their choices: the key is then the class,
                # not labels translated again on every page.
                statuses=Status,
                priorities=Priority,
                macros=macro_choices(user),
            )
            if can_bulk and rows
            else ""
        ),
        first_row=(page - 1) * queues.PAGE_SIZE + 1,
        last_row=(page - 1) * queues.PAGE_SIZE + len(rows),
        page=page,
        has_next=has_next,
        query=_query_without(request, "page"),
    )
    context = {
        "title": title,
        "current_key": key,
        "sort": sort,
        "form": form,
        "filters_active": bool(filters.active),
        "sidebar": _sidebar(user, teams, team_ids, key),
        "queue_table": table,
        "csrf_token": csrf,
    }
    return render(request, "desk/queue.html", context)


def _query_without(request: HttpRequest, *names: str) -> str:
    """The page's query string without ``names`` (as ``QueryDict.urlencode``
    writes it, without copying the ``QueryDict``)."""
    return urlencode(
        [
            (key, value)
            for key, values in request.GET.lists()
            if key not in names
            for value in values
        ]
    )


@lru_cache(maxsize=16)
def _table_words(language: str | None) -> dict[str, str]:
    """The queue table's fixed words in one language, escaped (the range of
    rows is filled in: its values are numbers)."""
    return {
        "select": escape(_("Select")),
        "requester": escape(_("Requester")),
        "team": escape(_("Team")),
        "assignee": escape(_("Assignee")),
        "empty": escape(_("No tickets here.")),
        "pages": escape(_("Pages")),
        "previous": escape(_("Previous")),
        "next": escape(_("Next")),
        "range": _("Tickets %(first_row)s–%(last_row)s"),
    }


def _queue_table(
    request: HttpRequest,
    *,
    csrf: str,
    title: str,
    rows_html: SafeString | None,
    column_heads: SafeString,
    bulk_panel: str,
    first_row: int,
    last_row: int,
    page: int,
    has_next: bool,
    query: str,
) -> SafeString:
    """The bulk form around the rows, and the pager: what the htmx refresh
    swaps. Written here like the rows, the markup the template had."""
    words = _table_words(get_language())
    action = escape(url_around("desk:bulk")[0])
    parts = [
        f'\n<form method="post" action="{action}" id="bulk-form">\n'
        f'  <input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf)}">\n'
        f'  <input type="hidden" name="next" value="{escape(request.get_full_path())}">\n'
        "  "
    ]
    if bulk_panel:
        parts.append(f"\n  {bulk_panel}\n  ")
    parts.append("\n  ")
    if rows_html is not None:
        select = (
            f'<th scope="col"><span class="visually-hidden">{words["select"]}'
            "</span></th>"
            if bulk_panel
            else ""
        )
        parts.append(
            '\n  <table class="tickets">\n'
            f'    <caption class="visually-hidden">{escape(title)}</caption>\n'
            "    <thead><tr>\n"
            f"      {select}\n"
            f"      {column_heads}\n"
            f'      <th scope="col">{words["requester"]}</th>\n'
            f'      <th scope="col">{words["team"]}</th>\n'
            f'      <th scope="col">{words["assignee"]}</th>\n'
            "    </tr></thead>\n"
            "    <tbody>\n"
            f"    {rows_html}\n"
            "    </tbody>\n"
            "  </table>\n"
            "  "
        )
    else:
        parts.append(f'\n  <p class="empty card">{words["empty"]}</p>\n  ')
    parts.append(f'\n</form>\n<nav class="pager" aria-label="{words["pages"]}">\n  ')
    if rows_html is not None:
        shown = words["range"] % {"first_row": first_row, "last_row": last_row}
        parts.append(f'<span class="muted">{shown}</span>')
    parts.append("\n  ")
    other = f"?{escape(query)}&amp;" if query else "?"
    if page > 1:
        parts.append(
            f'<a href="{other}page={page - 1}" rel="prev" accesskey="b">'
            f"← {words['previous']}</a>"
        )
    parts.append("\n  ")
    if has_next:
        parts.append(
            f'<a href="{other}page={page + 1}" rel="next" accesskey="m">'
            f"{words['next']} →</a>"
        )
    parts.append("\n</nav>\n")
    return mark_safe("".join(parts))


def _column_heads(sort: str, other_params: str) -> SafeString:
    """A link per sortable column: to sort by it, or to reverse its order.
    Written here rather than by a template loop (as the rows are)."""
    base = escape(f"?{other_params}&sort=" if other_params else "?sort=")
    columns = [
        ("number", _("Number")),
        ("subject", _("Subject")),
        ("status", _("Status")),
        ("priority", _("Priority")),
        ("updated", _("Updated")),
        ("breach", _("SLA")),
    ]
    heads = []
    for key, label in columns:
        if sort == key:
            aria_sort, href, arrow = ' aria-sort="ascending"', f"{base}-{key}", " ▲"
        elif sort == f"-{key}":
            aria_sort, href, arrow = ' aria-sort="descending"', f"{base}{key}", " ▼"
        else:
            aria_sort, href, arrow = "", f"{base}-{key}", ""
        heads.append(
            f'<th scope="col"{aria_sort}><a href="{href}">{escape(label)}{arrow}</a></th>'
        )
    return mark_safe("".join(heads))


def _links(links: list[tuple[str, str, str, int]], current_key: str) -> SafeString:
    """The sidebar's list items: key, label, URL and count of each link."""
    cap = queues.COUNT_CAP
    return mark_safe(
        "".join(
            f'\n      <li><a href="{escape(url)}"'
            f"{' aria-current="page"' if key == current_key else ''}>"
            f'<span>{escape(label)}</span> <span class="badge">'
            f"{f'{cap}+' if count > cap else count}</span></a></li>\n      "
            for key, label, url, count in links
        )
    )


def _sidebar(
    user: User, teams: list[Team], team_ids: list[int], current_key: str
) -> dict[str, SafeString]:
    counts = queues.sidebar_counts(user, teams, team_ids)
    queue_head, queue_tail = url_around("desk:queue", "queue-slug")
    team_head, team_tail = url_around("desk:team_queue", "999999999")
    return {
        "queues": _links(
            [
                (
                    slug,
                    str(q.label),
                    f"{queue_head}{slug}{queue_tail}",
                    counts.get(slug, 0),
                )
                for slug, q in queues.QUEUES.items()
            ],
            current_key,
        ),
        "teams": _links(
            [
                (
                    f"team-{t.pk}",
                    t.name,
                    f"{team_head}{t.pk}{team_tail}",
                    counts.get(f"team-{t.pk}", 0),
                )
                for t in teams
            ],
            current_key,
        ),
    }


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
