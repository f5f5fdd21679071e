"""Agents see who holds a sign-in-free link to a ticket and revoke them one
by one (a link forwarded to the wrong person, a CC who left the company)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from podpora.accounts.errors import AccountError
from podpora.accounts.permissions import Right, can
from podpora.portal import selectors, services
from podpora.portal.views._common import current_user, visible_ticket_or_404
from podpora.tickets.errors import TicketError


@login_required
@require_http_methods(["GET", "POST"])
def follow_links(request: HttpRequest, number: int) -> HttpResponse:
    agent = current_user(request)
    if not can(agent, Right.WORK_TICKETS):
        raise Http404
    ticket = visible_ticket_or_404(request, number)
    if request.method == "POST":
        wanted = request.POST.get("link", "")
        link = (
            selectors.follow_links_of(ticket)
            .filter(pk=int(wanted) if wanted.isdigit() else 0, revoked_at__isnull=True)
            .first()
        )
        if link is None:
            raise Http404
        try:
            services.revoke_follow_link(link, by=agent)
        except (TicketError, AccountError) as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The link of %(name)s no longer works.")
                % {"name": link.recipient.display_name},
            )
        return redirect("portal:follow_links", number=ticket.number)
    return render(
        request,
        "portal/follow_links.html",
        {"ticket": ticket, "links": selectors.follow_links_of(ticket)},
    )
