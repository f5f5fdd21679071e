"""One-click actions on the ticket page: take, escalate, merge, link, split,
watch, canned replies filled in for the reply box, and drafts saved as the
agent types."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from podpora.accounts.models import User
from podpora.desk import canned, drafts, queues
from podpora.desk.forms import (
    DraftForm,
    EscalateForm,
    LinkForm,
    NumberForm,
    SplitForm,
)
from podpora.desk.models import CannedReply, DraftKind
from podpora.desk.views.access import agent_required
from podpora.desk.views.ticket import render_ticket_page, ticket_or_404
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import LinkKind, Message, Ticket
from podpora.tickets.selectors import get_visible_ticket


@require_POST
@agent_required
def take(request: HttpRequest, number: int) -> HttpResponse:
    """Assign the ticket to oneself (one click from the ticket page)."""
    ticket = ticket_or_404(request, number)
    user: User = request.user  # type: ignore[assignment]
    try:
        services.assign(ticket, user, actor=user, via="desk")
    except TicketError as error:
        messages.error(request, error.message)
    else:
        queues.forget_counts(user)
        messages.success(request, _("The ticket is now yours."))
    return redirect("desk:ticket", number=number)


@require_POST
@agent_required
def escalate(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        return render_ticket_page(request, ticket, escalate_form=form, status=400)
    try:
        services.escalate(
            ticket,
            actor=request.user,  # type: ignore[arg-type]
            note=form.cleaned_data["note"],
            team=form.cleaned_data["team"],
            via="desk",
        )
    except TicketError as error:
        form.add_error(None, error.message)
        return render_ticket_page(request, ticket, escalate_form=form, status=400)
    messages.success(request, _("The ticket was escalated."))
    # After a hand-over the agent may no longer see the ticket.
    if not _still_visible(request, number):
        return redirect("desk:home")
    return redirect("desk:ticket", number=number)


def _still_visible(request: HttpRequest, number: int) -> bool:
    try:
        ticket_or_404(request, number)
    except Http404:
        return False
    return True


def _other(request: HttpRequest, form: NumberForm) -> Ticket | None:
    try:
        return get_visible_ticket(request.user, form.cleaned_data["number"])  # type: ignore[arg-type]
    except Ticket.DoesNotExist:
        return None


@require_POST
@agent_required
def merge(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    form = NumberForm(request.POST)
    target = _other(request, form) if form.is_valid() else None
    if target is None:
        messages.error(request, _("No ticket with that number that you can see."))
        return redirect("desk:ticket", number=number)
    try:
        services.merge_tickets(ticket, target, actor=request.user)  # type: ignore[arg-type]
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("desk:ticket", number=number)
    messages.success(
        request,
        _("%(source)s was merged into this ticket.") % {"source": ticket.reference},
    )
    return redirect("desk:ticket", number=target.number)


@require_POST
@agent_required
def link(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    form = LinkForm(request.POST)
    target = _other(request, form) if form.is_valid() else None
    if target is None:
        messages.error(request, _("No ticket with that number that you can see."))
        return redirect("desk:ticket", number=number)
    kind = form.cleaned_data["kind"]
    source, other = (target, ticket) if kind == "parent" else (ticket, target)
    try:
        services.link_tickets(
            source,
            other,
            kind=LinkKind.RELATED if kind == LinkKind.RELATED else LinkKind.PARENT,
            actor=request.user,  # type: ignore[arg-type]
        )
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The tickets are linked."))
    return redirect("desk:ticket", number=number)


@require_POST
@agent_required
def split(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    form = SplitForm(request.POST)
    message = (
        Message.objects.filter(ticket=ticket, pk=form.cleaned_data["message"]).first()
        if form.is_valid()
        else None
    )
    if message is None:
        raise Http404
    try:
        new = services.split_message(
            message,
            actor=request.user,  # type: ignore[arg-type]
            subject=form.cleaned_data.get("subject") or "",
        )
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("desk:ticket", number=number)
    messages.success(
        request,
        _("The message is now ticket %(ref)s.") % {"ref": new.reference},
    )
    return redirect("desk:ticket", number=new.number)


@require_POST
@agent_required
def move_message(request: HttpRequest, number: int) -> HttpResponse:
    """Put a mis-threaded message on the ticket it belongs to."""
    ticket = ticket_or_404(request, number)
    message = Message.objects.filter(
        ticket=ticket, pk=request.POST.get("message") or 0
    ).first()
    target_number = request.POST.get("number", "")
    if message is None:
        raise Http404
    try:
        target = get_visible_ticket(request.user, int(target_number))  # type: ignore[arg-type]
    except (ValueError, Ticket.DoesNotExist):
        messages.error(
            request,
            _("No ticket %(number)s that you can see.") % {"number": target_number},
        )
        return redirect("desk:ticket", number=number)
    try:
        services.move_message(message, target, actor=request.user, reason="desk")  # type: ignore[arg-type]
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("desk:ticket", number=number)
    messages.success(
        request, _("The message is now on ticket %(ref)s.") % {"ref": target.reference}
    )
    return redirect("desk:ticket", number=target.number)


@require_POST
@agent_required
def watch(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    watching = request.POST.get("watching") == "1"
    try:
        services.set_watching(ticket, request.user, watching=watching)  # type: ignore[arg-type]
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You are watching this ticket.")
            if watching
            else _("You no longer watch this ticket."),
        )
    return redirect("desk:ticket", number=number)


@require_GET
@agent_required
def canned_text(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """A canned reply filled in for this ticket, as plain text for the reply box."""
    ticket = ticket_or_404(request, number)
    user: User = request.user  # type: ignore[assignment]
    reply = CannedReply.objects.usable_by(user).filter(pk=pk).first()
    if reply is None:
        raise Http404
    text = canned.fill(reply.body, canned.placeholder_values(ticket, user))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@require_POST
@agent_required
def draft(request: HttpRequest, number: int, kind: str) -> HttpResponse:
    """Keep what the reply or note box holds (the page posts it as the agent
    types): 204, or 409 when that text was sent meanwhile."""
    ticket = ticket_or_404(request, number)
    if kind not in DraftKind.values:
        raise Http404
    form = DraftForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    loaded_at = form.cleaned_data.get("loaded_at")
    saved = drafts.save_text(
        request.user,  # type: ignore[arg-type]
        ticket,
        DraftKind(kind),
        form.cleaned_data["body"],
        since=datetime.datetime.fromtimestamp(loaded_at, tz=datetime.UTC)
        if loaded_at
        else None,
    )
    return HttpResponse(status=204 if saved else 409)
