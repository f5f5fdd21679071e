"""Phone intake: an agent logs a call as a new ticket for the caller."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from podpora.accounts.errors import AccountError
from podpora.accounts.models import Membership, User
from podpora.accounts.services import get_or_create_customer
from podpora.desk import queues
from podpora.desk.forms import IntakeForm
from podpora.desk.views.access import agent_required
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Channel

SEARCH_LIMIT = 10


def find_callers(term: str) -> list[User]:
    """Customers whose name, e-mail or phone contains ``term``."""
    term = term.strip()
    if len(term) < 2:
        return []
    digits = "".join(ch for ch in term if ch.isdigit())
    match = Q(full_name__icontains=term) | Q(email__icontains=term)
    if len(digits) >= 3:
        # Numbers are typed and stored with spaces, dashes and "+" in any mix.
        match |= Q(phone_digits__contains=digits)
    first_org = Membership.objects.filter(user=OuterRef("pk")).order_by("pk")
    phone_digits: Any = F("phone")
    for sign in (" ", "-", "+", "(", ")", "/"):
        phone_digits = Replace(phone_digits, Value(sign), Value(""))
    return list(
        User.objects.filter(agent_role="", is_active=True)
        .annotate(phone_digits=phone_digits)
        .filter(match)
        .annotate(org_name=Subquery(first_org.values("organization__name")[:1]))
        .order_by("full_name", "email")[:SEARCH_LIMIT]
    )


@require_GET
@agent_required
def caller_search(request: HttpRequest) -> HttpResponse:
    callers = find_callers(request.GET.get("q", ""))
    return render(
        request,
        "desk/partials/caller_results.html",
        {"callers": callers, "term": request.GET.get("q", "")},
    )


@require_http_methods(["GET", "POST"])
@agent_required
def intake(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = IntakeForm(request.POST or None)
    chosen = None
    requester_id = request.POST.get("requester") or request.GET.get("requester")
    if requester_id and str(requester_id).isdigit():
        chosen = User.objects.filter(
            pk=int(requester_id), agent_role="", is_active=True
        ).first()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data.get("requester"):
                    if chosen is None:
                        raise AccountError(_("That caller is no longer available."))
                    requester = chosen
                else:
                    requester, _created = get_or_create_customer(
                        data["caller_email"],
                        full_name=data.get("caller_name") or "",
                        phone=data.get("caller_phone") or "",
                    )
                ticket = services.open_ticket(
                    subject=data["subject"],
                    requester=requester,
                    channel=Channel.PHONE,
                    body_text=data["notes"],
                    actor=user,
                    call_account=True,
                    priority=data["priority"],
                    team=data.get("team"),
                    category=data.get("category"),
                    files=[
                        services.IncomingFile(
                            name=f.name or "file",
                            content=f.read(),
                            declared_type=f.content_type or "",
                        )
                        for f in request.FILES.getlist("files")
                    ],
                    remote_session_id=data.get("remote_session_id") or "",
                    via="desk:phone",
                )
                if data.get("assign_to_me"):
                    services.assign(ticket, user, actor=user, via="desk:phone")
        except (TicketError, AccountError) as error:
            form.add_error(None, error.message)
        else:
            queues.forget_counts(user)
            messages.success(
                request,
                _("Ticket %(ref)s was logged for %(name)s.")
                % {"ref": ticket.reference, "name": requester.display_name},
            )
            return redirect("desk:ticket", number=ticket.number)
    found = find_callers(request.GET.get("q", "")) if request.method == "GET" else []
    return render(
        request,
        "desk/intake.html",
        {"form": form, "chosen": chosen, "found": found},
        status=400 if request.method == "POST" else 200,
    )
