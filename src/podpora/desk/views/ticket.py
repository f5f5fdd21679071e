"""The ticket page and everything an agent does on it."""

import datetime
import time
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from podpora.accounts.errors import AccountError
from podpora.accounts.models import User
from podpora.accounts.services import get_or_create_customer
from podpora.core.csp import remote_images
from podpora.desk import canned, drafts, history, queues, selectors
from podpora.desk.forms import (
    EscalateForm,
    LinkForm,
    NoteForm,
    NumberForm,
    PropertiesForm,
    ReplyForm,
    agents,
)
from podpora.desk.mentions import find_mentions
from podpora.desk.models import CannedReply, Draft, DraftFile, DraftKind
from podpora.desk.views.access import agent_required
from podpora.tickets import services
from podpora.tickets.errors import Conflict, TicketError
from podpora.tickets.models import (
    MessageKind,
    Status,
    Ticket,
)
from podpora.tickets.selectors import (
    get_visible_ticket,
    thread_for,
)


def ticket_or_404(request: HttpRequest, number: int, *, page: bool = False) -> Ticket:
    """The ticket, or 404; ``page`` reads with it whether the agent watches
    it, for the ticket page. (Its SLA state is not joined in: two more
    tables cost PostgreSQL more planning than a query of its own.)"""
    try:
        return get_visible_ticket(
            request.user,  # type: ignore[arg-type]
            number,
            with_watching=page,
        )
    except Ticket.DoesNotExist as missing:
        raise Http404 from missing


def _incoming_files(request: HttpRequest) -> list[services.IncomingFile]:
    return [
        services.IncomingFile(
            name=f.name or "file",
            content=f.read(),
            declared_type=f.content_type or "",
        )
        for f in request.FILES.getlist("files")
    ]


def _properties_initial(ticket: Ticket, tags: list[str], cc: list[str]) -> dict:
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "tier": ticket.tier,
        "category": ticket.category_id,
        "tags": ", ".join(tags),
        "cc": ", ".join(cc),
        "remote_session_id": ticket.remote_session_id,
        "version": ticket.version,
        "loaded_at": time.time(),
    }


def _context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    properties_form: PropertiesForm | None = None,
    escalate_form: EscalateForm | None = None,
    conflict: str = "",
    checked_files: dict[str, set[int]] | None = None,
) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    kept = drafts.drafts_of(user, ticket)
    reply_draft, note_draft = kept.get(DraftKind.REPLY), kept.get(DraftKind.NOTE)
    thread = list(thread_for(user, ticket))
    events = list(ticket.events.select_related("actor").order_by("created_at", "pk"))
    tags = selectors.tag_names(ticket)
    cc = selectors.cc_addresses(ticket)
    agent_list = selectors.agent_list()
    team_list = selectors.team_options()
    category_list = selectors.category_options()
    canned_list = selectors.canned_choices(user)
    loaded_at = time.time()
    reply_initial: dict[str, Any] = {
        "version": ticket.version,
        "loaded_at": loaded_at,
        "body": reply_draft.body if reply_draft else "",
    }
    canned_id = request.GET.get("canned", "")
    if reply_form is None and canned_id.isdigit():
        listed = next((c for c in canned_list if c.pk == int(canned_id)), None)
        if listed is not None:
            chosen = CannedReply.objects.get(pk=listed.pk)
            filled = canned.fill(chosen.body, canned.placeholder_values(ticket, user))
            # After the draft, never instead of it.
            draft_text = reply_initial["body"].rstrip()
            reply_initial["body"] = (
                f"{draft_text}\n\n{filled}" if draft_text else filled
            )
    return {
        "ticket": ticket,
        "thread": thread,
        "history": history.describe(events),
        "tags": tags,
        "cc": cc,
        "links": selectors.links(ticket),
        "merged_tickets": selectors.merged_numbers(ticket),
        "watching": selectors.watching(ticket, user),
        # Agents see the whole thread, so its sum is the ticket's total.
        "time_spent": sum(m.time_spent_minutes for m in thread),
        "canned_list": canned_list,
        "agent_list": agent_list,
        "reply_form": reply_form or ReplyForm(initial=reply_initial),
        "note_form": note_form
        or NoteForm(
            initial={
                "body": note_draft.body if note_draft else "",
                "loaded_at": loaded_at,
            }
        ),
        "reply_files": _offered(reply_draft, (checked_files or {}).get("reply")),
        "note_files": _offered(note_draft, (checked_files or {}).get("note")),
        "properties_form": properties_form
        or PropertiesForm(
            initial=_properties_initial(ticket, tags, cc),
            agent_list=agent_list,
            team_list=team_list,
            category_list=category_list,
        ),
        "escalate_form": escalate_form or EscalateForm(team_list=team_list),
        "link_form": LinkForm(),
        "merge_form": NumberForm(),
        "conflict": conflict,
        "kinds": MessageKind,
        "statuses": Status,
    }


def _offered(
    draft: Draft | None, checked: set[int] | None
) -> list[tuple[DraftFile, bool]]:
    """The draft's kept files, each with whether it is ticked to be sent:
    all of them, unless a send just chose some."""
    files = list(draft.files.all()) if draft else []
    return [(f, checked is None or f.pk in checked) for f in files]


@require_GET
@agent_required
@remote_images  # "Show images" swaps a message's remote images in here
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number, page=True)
    return render(request, "desk/ticket.html", _context(request, ticket))


@require_GET
@agent_required
def thread(request: HttpRequest, number: int) -> HttpResponse:
    """The thread alone, for htmx to refresh it in place."""
    ticket = ticket_or_404(request, number)
    context = {
        "ticket": ticket,
        "thread": list(thread_for(request.user, ticket)),  # type: ignore[arg-type]
        "kinds": MessageKind,
    }
    return render(request, "desk/partials/thread.html", context)


@require_POST
@agent_required
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    user: User = request.user  # type: ignore[assignment]
    form = ReplyForm(request.POST)
    uploads = _incoming_files(request)
    kept = drafts.kept_files(
        user, ticket, DraftKind.REPLY, request.POST.getlist("kept_files")
    )
    if not form.is_valid():
        return _not_sent(
            request, ticket, DraftKind.REPLY, uploads, kept, reply_form=form
        )
    data = form.cleaned_data
    force = request.POST.get("force") == "1"
    try:
        services.add_reply(
            ticket,
            author=user,
            body_text=data["body"],
            files=[*drafts.as_incoming(kept), *uploads],
            status=data.get("status") or None,
            time_spent_minutes=data.get("time_spent") or 0,
            expected_version=None if force else data["version"],
            via="desk",
        )
    except Conflict:
        fresh = ticket_or_404(request, number)
        # The text stays in the box and the files with the draft; the
        # version becomes the current one so "send anyway" goes through
        # unless yet another change happens.
        form = ReplyForm(
            initial={
                "body": data["body"],
                "status": data.get("status") or "",
                "time_spent": data.get("time_spent"),
                "version": fresh.version,
                "loaded_at": time.time(),
            }
        )
        return _not_sent(
            request,
            fresh,
            DraftKind.REPLY,
            uploads,
            kept,
            reply_form=form,
            conflict="reply",
            status=409,
            conflict_changes=_changes_since(fresh, data.get("loaded_at")),
        )
    except TicketError as error:
        form.add_error(None, error.message)
        return _not_sent(
            request, ticket, DraftKind.REPLY, uploads, kept, reply_form=form
        )
    drafts.discard(user, ticket, DraftKind.REPLY)
    queues.forget_counts(user)
    messages.success(request, _("Your reply was sent."))
    return redirect("desk:ticket", number=number)


@require_POST
@agent_required
def note(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    user: User = request.user  # type: ignore[assignment]
    form = NoteForm(request.POST)
    uploads = _incoming_files(request)
    kept = drafts.kept_files(
        user, ticket, DraftKind.NOTE, request.POST.getlist("kept_files")
    )
    if not form.is_valid():
        return _not_sent(request, ticket, DraftKind.NOTE, uploads, kept, note_form=form)
    body = form.cleaned_data["body"]
    mentioned = [a for a in find_mentions(body, agents()) if a.pk != user.pk]
    try:
        services.add_note(
            ticket,
            author=user,
            body_text=body,
            files=[*drafts.as_incoming(kept), *uploads],
            time_spent_minutes=form.cleaned_data.get("time_spent") or 0,
            mentions=mentioned,
            via="desk",
        )
    except TicketError as error:
        form.add_error(None, error.message)
        return _not_sent(request, ticket, DraftKind.NOTE, uploads, kept, note_form=form)
    drafts.discard(user, ticket, DraftKind.NOTE)
    if mentioned:
        messages.success(
            request,
            _("Note added; %(names)s will be notified.")
            % {"names": ", ".join(a.display_name for a in mentioned)},
        )
    else:
        messages.success(request, _("Note added."))
    return redirect("desk:ticket", number=number)


def _not_sent(
    request: HttpRequest,
    ticket: Ticket,
    kind: DraftKind,
    uploads: list[services.IncomingFile],
    kept: list[DraftFile],
    *,
    status: int = 400,
    **page: Any,
) -> HttpResponse:
    """The page again after a reply or note did not go through: its text
    and files are kept with the draft, and the files come back ticked, so
    the agent neither types nor attaches anything again."""
    new = drafts.keep(
        request.user,  # type: ignore[arg-type]
        ticket,
        kind,
        body=request.POST.get("body", ""),
        files=uploads,
    )
    chosen = {kind.value: {f.pk for f in [*kept, *new]}}
    return render_ticket_page(
        request, ticket, status=status, checked_files=chosen, **page
    )


@require_POST
@agent_required
def update(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    user: User = request.user  # type: ignore[assignment]
    agent_list = list(agents())
    form = PropertiesForm(request.POST, agent_list=agent_list)
    if not form.is_valid():
        return _properties_response(request, ticket, form, status=400)
    data = form.cleaned_data
    force = request.POST.get("force") == "1"
    try:
        cc_users = []
        for address in data["cc"]:
            person, _created = get_or_create_customer(address)
            cc_users.append(person)
        ticket = services.update_ticket(
            ticket,
            actor=user,
            status=data["status"],
            priority=data["priority"],
            team=data["team"],
            assignee=data["assignee"],
            tier=data["tier"],
            category=data["category"],
            tags=data["tags"],
            cc=cc_users,
            remote_session_id=data["remote_session_id"],
            expected_version=None if force else data["version"],
            via="desk",
        )
    except Conflict:
        fresh = ticket_or_404(request, number)
        posted = request.POST.copy()
        posted["version"] = str(fresh.version)
        posted["loaded_at"] = str(time.time())
        form = PropertiesForm(posted, agent_list=agent_list)
        form.is_valid()
        return _properties_response(
            request,
            fresh,
            form,
            status=409,
            conflict="properties",
            conflict_changes=_changes_since(fresh, data.get("loaded_at")),
        )
    except (TicketError, AccountError) as error:
        form.add_error(None, error.message)
        return _properties_response(request, ticket, form, status=400)
    queues.forget_counts(user)
    if getattr(request, "htmx", False):
        fresh = ticket_or_404(request, number)
        return _properties_response(request, fresh, None, saved=True)
    messages.success(request, _("The ticket was updated."))
    return redirect("desk:ticket", number=number)


def _changes_since(ticket: Ticket, loaded_at: float | None) -> list:
    """What others changed since the page was loaded, in words."""
    if not loaded_at:
        return []
    since = datetime.datetime.fromtimestamp(loaded_at, tz=datetime.UTC)
    events = ticket.events.filter(created_at__gt=since).select_related("actor")
    return history.describe(list(events.order_by("created_at", "pk")[:20]))


def _properties_response(
    request: HttpRequest,
    ticket: Ticket,
    form: PropertiesForm | None,
    *,
    status: int = 200,
    conflict: str = "",
    saved: bool = False,
    conflict_changes: list | None = None,
) -> HttpResponse:
    if getattr(request, "htmx", False):
        form = form or PropertiesForm(
            initial=_properties_initial(
                ticket, selectors.tag_names(ticket), selectors.cc_addresses(ticket)
            ),
            agent_list=selectors.agent_list(),
            team_list=selectors.team_options(),
            category_list=selectors.category_options(),
        )
        # htmx swaps only successful answers: errors come back as 200 with
        # the form showing them.
        return render(
            request,
            "desk/partials/properties.html",
            {
                "ticket": ticket,
                "properties_form": form,
                "conflict": conflict,
                "conflict_changes": conflict_changes or [],
                "saved": saved,
                # The reply box takes the new version (hx-swap-oob): the
                # agent's own change is no conflict for their reply.
                "loaded_at": time.time(),
            },
        )
    return render_ticket_page(
        request,
        ticket,
        properties_form=form,
        conflict=conflict,
        status=status,
        conflict_changes=conflict_changes or [],
    )


@remote_images  # the ticket page again, after a form error
def render_ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    status: int,
    conflict_changes: list | None = None,
    **forms: Any,
) -> HttpResponse:
    context = _context(request, ticket, **forms)
    context["conflict_changes"] = conflict_changes or []
    return render(request, "desk/ticket.html", context, status=status)
