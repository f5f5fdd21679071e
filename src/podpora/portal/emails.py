"""Portal e-mails: a subject / text / html template triplet per kind, rendered
in the recipient's language and sent by a task after the transaction commits."""

import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from podpora.core.outbox import enqueue_after_commit

KINDS = frozenset(
    {
        "confirm_request",  # confirm a public-form request (no sender text)
        "follow_link",  # a public request was received: here is your link
        "fresh_follow_link",  # an expired/revoked link was renewed
        "register_confirm",  # confirm your address and choose a password
        "register_existing",  # someone tried to register with your address
        "invitation",  # an agent invited you: choose a password
    }
)


def language_for(user_language: str, fallback: str = "") -> str:
    languages = dict(settings.LANGUAGES)
    for code in (user_language, fallback, settings.LANGUAGE_CODE):
        if code and code in languages:
            return code
    return settings.LANGUAGE_CODE


def render(kind: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    if kind not in KINDS:
        raise ValueError(f"Unknown portal e-mail: {kind}")
    with translation.override(language):
        subject = render_to_string(f"portal/emails/{kind}_subject.txt", context)
        text = render_to_string(f"portal/emails/{kind}.txt", context)
        html = render_to_string(f"portal/emails/{kind}.html", context)
    # A subject is one line whatever the template's whitespace.
    return " ".join(subject.split()), text, html


def deliver(to: str, kind: str, language: str, context: dict[str, Any]) -> None:
    subject, text, html = render(kind, language, context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    # Sent for a person's own action, not automatically: no Auto-Submitted.
    message.send()


def send_later(to: str, kind: str, language: str, context: dict[str, Any]) -> None:
    """Queue the mail once the current transaction commits (never for a
    transaction that rolls back)."""
    from podpora.portal.tasks import send_portal_email

    key = uuid.uuid4().hex
    enqueue_after_commit(
        send_portal_email, to=to, kind=kind, language=language, context=context, key=key
    )
