"""One message with its remote images, when the agent asks for them.

Remote images are left out of every message by default (a tracking pixel
tells its sender that, when and where the message was read). "Show images"
fetches that one message's body again with them, for this agent and this
view only: nothing is recorded, so the next reader (another agent, a
refreshed thread) decides again instead of inheriting someone's choice.
A GET changes nothing, so it needs no CSRF token.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from podpora.core.csp import remote_images
from podpora.desk.views.access import agent_required
from podpora.tickets.models import Ticket
from podpora.tickets.selectors import get_visible_ticket, thread_for


@require_GET
@agent_required
@remote_images
def message_images(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    try:
        ticket = get_visible_ticket(request.user, number)  # type: ignore[arg-type]
    except Ticket.DoesNotExist as missing:
        raise Http404 from missing
    message = get_object_or_404(thread_for(request.user, ticket), pk=pk)  # type: ignore[arg-type]
    context = {"ticket": ticket, "m": message, "show_images": True}
    if request.headers.get("HX-Request"):
        return render(request, "desk/partials/message_body.html", context)
    return render(request, "desk/message_images.html", context)
