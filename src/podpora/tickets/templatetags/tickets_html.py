"""Showing a message's stored HTML with its inline images."""

import re
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from podpora.tickets.html import block_remote_images
from podpora.tickets.models import Message

register = template.Library()

_CID_SRC = re.compile(r'src="cid:([^"]+)"', re.IGNORECASE)


# The desk asks for a message's count of blocked images and then for its
# HTML: one sanitiser pass serves both (and the thread's next render).
_blocked = lru_cache(maxsize=64)(block_remote_images)


@register.filter
def blocked_images(message: Message) -> int:
    """How many remote images ``message_html`` leaves out of this message."""
    return _blocked(message.body_html)[1]


@register.filter
def message_html(message: Message, images: str = "") -> SafeString:
    """The sanitised HTML body with ``cid:`` images pointing at the message's
    own inline attachments (served through the access-checked view).

    Remote images are left out (tracking pixels tell the sender who read
    the message, when and from where) unless ``images`` is ``"remote"``:
    the desk's "Show images" for one message, on request.

    ``body_html`` was sanitised when stored; only ``src`` values of images
    that name one of this message's attachments are rewritten, to our URL.
    """
    html = message.body_html
    if images != "remote":
        html = _blocked(html)[0]
    if "cid:" not in html:
        return mark_safe(html)
    by_cid = {
        a.content_id: a
        for a in message.attachments.all()
        if a.content_id and a.is_image
    }

    def _replace(match: re.Match[str]) -> str:
        attachment = by_cid.get(match.group(1).strip("<>"))
        if attachment is None:
            return 'src=""'
        url = reverse("tickets:attachment", args=[attachment.pk]) + "?inline=1"
        return f'src="{escape(url)}"'

    return mark_safe(_CID_SRC.sub(_replace, html))
