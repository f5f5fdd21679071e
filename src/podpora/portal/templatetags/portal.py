from collections.abc import Callable

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from podpora.accounts.models import User
from podpora.tickets.models import Status

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
