"""Signed links that let a requester follow a ticket without an account.

A link carries the ticket number and is signed together with the ticket's
``access_key``: it expires after ``max_age`` and is revoked for every link at
once by giving the ticket a new key (``revoke_links``). A ticket number plus an
e-mail address is never enough.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from podpora.tickets.models import Ticket

_SALT = "podpora.tickets.follow"
DEFAULT_MAX_AGE = timedelta(days=90)


def _signer(ticket_key: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{_SALT}:{ticket_key}")


def follow_token(ticket: Ticket) -> str:
    return _signer(str(ticket.access_key)).sign(str(ticket.number))


def ticket_from_token(
    token: str, *, max_age: timedelta = DEFAULT_MAX_AGE
) -> Ticket | None:
    """The ticket a valid, unexpired, unrevoked token names; ``None`` otherwise."""
    number_text = token.split(":", 1)[0]
    if not number_text.isdigit():
        return None
    ticket = Ticket.objects.filter(number=int(number_text)).first()
    if ticket is None:
        return None
    try:
        signed_number = _signer(str(ticket.access_key)).unsign(token, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return ticket if signed_number == str(ticket.number) else None


def follow_url(ticket: Ticket) -> str:
    """Absolute URL for e-mails; served by the portal (``portal:follow``)."""
    path = reverse("portal:follow", kwargs={"token": follow_token(ticket)})
    return f"{settings.PODPORA_BASE_URL}{path}"


def revoke_links(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(access_key=uuid.uuid4())
    ticket.refresh_from_db(fields=["access_key"])
