"""My tickets, a new request and one ticket, for signed-in customers.

Access always goes through ``visible_to``: 404 outside it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from podpora.accounts.errors import AccountError
from podpora.portal import selectors, services
from podpora.portal.forms import (
    NewRequestForm,
    ReplyForm,
    incoming_files,
)
from podpora.portal.models import PortalSettings
from podpora.portal.views._common import (
    PAGE_SIZE,
    apply_customer_status,
    current_user,
    visible_ticket_or_404,
)
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Ticket

# --- my tickets -------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(
            request,
            "portal/landing.html",
            {"settings": PortalSettings.load()},
        )
    user = current_user(request)
    scopes = selectors.scopes_for(user)
    scope = request.GET.get("scope", "")
    scope = selectors.Scope(scope) if scope in scopes else scopes[0]
    status = request.GET.get("status", "")
    if status not in selectors.StatusFilter:
        status = ""
    query = request.GET.get("q", "")[:200]
    tickets = selectors.tickets_for(user, scope=scope, status=status, query=query)
    page = selectors.CappedPaginator(tickets, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/home.html",
        {
            "page": page,
            "scope": scope,
            "scopes": scopes,
            "status": status,
            "query": query,
            "status_filters": _status_filter_choices(),
            "filtered": bool(status or query),
        },
    )


def _status_filter_choices() -> list[tuple[str, str]]:
    return [
        ("", pgettext("tickets", "All")),
        ("active", _("Not yet resolved")),
        ("new", pgettext("ticket status", "New")),
        ("open", pgettext("ticket status", "Open")),
        ("waiting_customer", pgettext("ticket status", "Waiting on customer")),
        ("resolved", pgettext("ticket status", "Resolved")),
        ("closed", pgettext("ticket status", "Closed")),
    ]


# --- a new request ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    allow_priority = PortalSettings.load().customers_choose_priority
    if request.method == "POST":
        form = NewRequestForm(
            request.POST, request.FILES, allow_priority=allow_priority
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.submit_request(
                    current_user(request),
                    subject=data["subject"],
                    description=data["description"],
                    category=data.get("category"),
                    priority=data.get("priority"),
                    files=incoming_files(data["attachments"]),
                )
            except (TicketError, AccountError) as error:
                form.add_error(None, error.message)
            else:
                return redirect("portal:created", number=ticket.number)
        return render(request, "portal/new.html", {"form": form}, status=400)
    initial = {}
    follow_up = request.GET.get("follow_up", "")
    if follow_up.isdigit():
        previous = selectors.visible_to(current_user(request)).filter(
            number=int(follow_up)
        )
        for ticket in previous.only("number", "subject"):
            initial["subject"] = _("Follow-up to %(ref)s: %(subject)s") % {
                "ref": ticket.reference,
                "subject": ticket.subject,
            }
    form = NewRequestForm(initial=initial, allow_priority=allow_priority)
    return render(request, "portal/new.html", {"form": form})


@login_required
def created(request: HttpRequest, number: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, number)
    return render(request, "portal/created.html", {"ticket": ticket})


# --- one ticket -------------------------------------------------------------------


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": ticket,
            "thread": selectors.public_thread(user, ticket),
            "form": form or ReplyForm(),
            # Agents read the portal's view; they answer from the desk.
            "can_act": not user.is_agent,
        },
        status=status,
    )


@login_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    return _ticket_page(request, visible_ticket_or_404(request, number))


@login_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, number)
    if current_user(request).is_agent:
        raise Http404
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.reply(
                ticket,
                current_user(request),
                body=form.cleaned_data["body"],
                files=incoming_files(form.cleaned_data["attachments"]),
            )
        except (TicketError, AccountError) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your reply was added."))
            return redirect("portal:ticket", number=ticket.number)
    return _ticket_page(request, ticket, form=form, status=400)


@login_required
@require_POST
def set_status(request: HttpRequest, number: int) -> HttpResponse:
    ticket = visible_ticket_or_404(request, number)
    if current_user(request).is_agent:
        raise Http404
    return apply_customer_status(
        request, ticket, current_user(request), reverse("portal:ticket", args=[number])
    )
