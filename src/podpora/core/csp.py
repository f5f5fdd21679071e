"""Content-Security-Policy exceptions for the few pages that need more than
``settings.SECURE_CSP`` (docs/adr/0008-content-security-policy.md).

Each is the site-wide policy with one directive widened, applied with
Django's ``csp_override`` decorator, so a change to the site-wide policy
reaches these pages too.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.views.decorators.csp import csp_override


def widened(**directives: list[str]) -> dict[str, Any]:
    """The site-wide policy with sources added to some directives
    (``img_src=["https:"]`` for ``img-src``)."""
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    for name, sources in directives.items():
        key = name.replace("_", "-")
        policy[key] = [*policy.get(key, []), *sources]
    return policy


def remote_images[V: Callable[..., Any]](view: V) -> V:
    """For desk pages that show a customer's message with its remote images
    once the agent asked ("Show images", podpora.desk.views.images): images
    from any web address. Which images a page carries is still decided on the
    server: every other message's remote images are removed from the HTML."""
    return csp_override(widened(img_src=["https:", "http:"]))(view)


def widget_host[V: Callable[..., Any]](view: V) -> V:
    """For the chat widget's test page, which stands in for a customer's
    website: the widget's script, requests and socket come from
    PODPORA_BASE_URL (what a host site must allow to embed it). It styles
    its shadow root with a constructed style sheet, which style-src 'self'
    allows."""
    base = urlsplit(settings.PODPORA_BASE_URL)
    origin = f"{base.scheme}://{base.netloc}"
    socket = f"{base.scheme.replace('http', 'ws')}://{base.netloc}"
    return csp_override(widened(script_src=[origin], connect_src=[origin, socket]))(
        view
    )
