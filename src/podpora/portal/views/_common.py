"""Helpers and limits shared by the portal views."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.accounts.models import User
from podpora.portal import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Status, Ticket
from podpora.tickets.selectors import get_visible_ticket

PAGE_SIZE = 25
HOUR = 3600
PUBLIC_CHALLENGE_AFTER = 3  # submissions per hour from one address before a sum
RENEW_PER_HOUR = 5
CONFIRM_MAILS_PER_HOUR = 3  # public-form confirmation mails to one address
REGISTER_PER_HOUR = 5
REGISTER_MAILS_PER_ADDRESS = 3  # registration mails to one address an hour


def current_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible_ticket_or_404(request: HttpRequest, number: int) -> Ticket:
    try:
        return get_visible_ticket(current_user(request), number)
    except Ticket.DoesNotExist as missing:
        raise Http404 from missing


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/too_many.html", status=429)


def apply_customer_status(
    request: HttpRequest, ticket: Ticket, customer: User, back: str
) -> HttpResponse:
    wanted = request.POST.get("status", "")
    try:
        services.ticket_services.customer_set_status(
            ticket, customer=customer, status=wanted
        )
    except (TicketError, AccountError) as error:
        messages.error(request, error.message)
    else:
        if wanted == Status.RESOLVED:
            messages.success(request, _("Marked as resolved. Thank you!"))
        else:
            messages.success(request, _("Reopened: we will look at it again."))
    return redirect(back)
