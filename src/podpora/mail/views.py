"""The administrators' page for mail that did not become a ticket by itself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from podpora.accounts.permissions import Right, can
from podpora.mail import intake
from podpora.mail.models import InboundMail, InboundState, Mailbox

NEEDS_ATTENTION = [InboundState.FAILED, InboundState.HELD, InboundState.STORED]
FILTERS = {
    "attention": NEEDS_ATTENTION,
    "ignored": [InboundState.IGNORED, InboundState.DUPLICATE],
    "discarded": [InboundState.DISCARDED],
}
PAGE = 100


def _admin_only(request: HttpRequest) -> None:
    # Not found rather than forbidden: the page does not exist for others.
    if not can(request.user, Right.MANAGE_SETTINGS):  # type: ignore[arg-type]
        raise Http404


@login_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    shown = request.GET.get("show", "attention")
    states = FILTERS.get(shown, NEEDS_ATTENTION)
    mails = (
        InboundMail.objects.filter(state__in=states)
        .select_related("mailbox", "ticket")
        .order_by("-received_at", "-pk")[:PAGE]
    )
    context = {
        "mails": mails,
        "shown": shown,
        "mailboxes": Mailbox.objects.order_by("name"),
        "attention_count": InboundMail.objects.filter(
            state__in=NEEDS_ATTENTION
        ).count(),
    }
    return render(request, "mail/inbound_list.html", context)


@login_required
def inbound_raw(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    inbound = get_object_or_404(InboundMail, pk=pk)
    with inbound.raw.open("rb") as handle:
        data = handle.read()
    # A download, never rendered: the mail is untrusted.
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="mail-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def inbound_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _admin_only(request)
    inbound = get_object_or_404(InboundMail, pk=pk)
    handlers = {
        "retry": intake.retry,
        "accept": intake.accept,
        "discard": intake.discard,
    }
    if action not in handlers:
        raise Http404
    try:
        result = handlers[action](inbound)
    except intake.TemporaryFailure:
        messages.error(request, _("The database is unavailable; try again shortly."))
        return redirect("mail:inbound")
    if result.state == InboundState.PROCESSED and result.ticket_id:
        messages.success(
            request,
            _("The mail became part of ticket #%(number)s.")
            % {"number": result.ticket.number},  # type: ignore[union-attr]
        )
    elif result.state == InboundState.DISCARDED:
        messages.success(request, _("The mail was discarded; its raw copy is kept."))
    else:
        messages.warning(
            request,
            _("The mail is still not a ticket: %(reason)s") % {"reason": result.reason},
        )
    return redirect("mail:inbound")
