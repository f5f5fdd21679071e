from collections.abc import Callable, Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from podpora.accounts.models import User
from podpora.tickets.models import Status, Ticket

register = template.Library()

# What a customer is told; "waiting on third party" is the agents' business.
_CUSTOMER_STATUS: dict[str, tuple[str, Callable[[], str]]] = {
    Status.NEW: ("new", lambda: pgettext("ticket status", "New")),
    Status.OPEN: ("open", lambda: pgettext("ticket status", "Open")),
    Status.WAITING_CUSTOMER: (
        "waiting",
        lambda: pgettext("ticket status", "Waiting on customer"),
    ),
    Status.WAITING_THIRD_PARTY: ("open", lambda: pgettext("ticket status", "Open")),
    Status.RESOLVED: ("resolved", lambda: pgettext("ticket status", "Resolved")),
    Status.CLOSED: ("closed", lambda: pgettext("ticket status", "Closed")),
}


@register.filter
def customer_status(status: str) -> str:
    entry = _CUSTOMER_STATUS.get(status)
    return entry[1]() if entry else status


@register.filter
def status_class(status: str) -> str:
    entry = _CUSTOMER_STATUS.get(status)
    return entry[0] if entry else "open"


@register.filter
def public_name(user: User | None) -> str:
    """An author's name as customers see it: agents by name, never by their
    e-mail address."""
    if user is None:
        return _("Support team")
    if user.agent_role:
        return user.full_name or _("Support team")
    return user.display_name


@register.filter
def filesize(size: int) -> str:
    if size < 1024:
        return _("%(size)d B") % {"size": size}
    if size < 1024 * 1024:
        return _("%(size).0f kB") % {"size": size / 1024}
    return _("%(size).1f MB") % {"size": size / (1024 * 1024)}


@register.simple_tag
def ticket_rows(tickets: Iterable[Ticket], show_requester: bool) -> SafeString:
    """The rows of the portal's ticket list, written out in Python.

    Through the template engine each row reversed a URL, formatted two dates
    and ran two filters: most of the page's time for 25 rows. The ticket URL
    is reversed once here and the date format looked up once; every value
    from the database is escaped. Nothing is cached: a row is always the
    ticket as just read.
    """
    marker = "999999999"
    url_head, url_tail = reverse("portal:ticket", args=[marker]).split(marker)
    date_format = formats.get_format("SHORT_DATETIME_FORMAT")
    zone = timezone.get_current_timezone()
    rows = []
    for ticket in tickets:
        url = f"{url_head}{ticket.number}{url_tail}"
        updated = ticket.updated_at.astimezone(zone)
        requester = (
            f"<td>{escape(ticket.requester.display_name)}</td>"
            if show_requester
            else ""
        )
        rows.append(
            f'<tr><td><a href="{url}">#{ticket.number}</a></td>'
            f'<td><a href="{url}">{escape(ticket.subject)}</a></td>{requester}'
            f'<td><span class="status status-{status_class(ticket.status)}">'
            f"{escape(customer_status(ticket.status))}</span></td>"
            f'<td><time datetime="{updated.isoformat()}">'
            f"{escape(dateformat.format(updated, date_format))}</time></td></tr>\n"
        )
    return mark_safe("".join(rows))  # every value above is escaped
