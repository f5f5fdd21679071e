"""The customer portal: thin views that parse, check access, call a service
and render."""

from podpora.portal.views.accounts import (
    invite,
    register,
    register_confirm,
    register_sent,
    set_password,
)
from podpora.portal.views.follow_links import follow_links
from podpora.portal.views.public import (
    follow,
    follow_attachment,
    follow_renew,
    follow_status,
    public_confirm,
    public_new,
    public_sent,
)
from podpora.portal.views.tickets import (
    created,
    home,
    new_request,
    reply,
    set_status,
    ticket_detail,
)

__all__ = [
    "created",
    "follow",
    "follow_attachment",
    "follow_links",
    "follow_renew",
    "follow_status",
    "home",
    "invite",
    "new_request",
    "public_confirm",
    "public_new",
    "public_sent",
    "register",
    "register_confirm",
    "register_sent",
    "reply",
    "set_password",
    "set_status",
    "ticket_detail",
]
