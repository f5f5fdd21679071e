"""Sign-in-free links that let the people a ticket's mails go to follow it.

Every recipient of a ticket (its requester, each CC) has their own
``FollowLink`` row with a random key; a mailed token is ``<number>.<key>``
signed with the time it was made, so it expires ``follow_link_days`` after
the mail (``PortalSettings``). Revoking a row stops that one person's links
and nobody else's; the next mail to them carries a new key. A ticket number
plus an e-mail address is never enough.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from podpora.accounts.models import User
from podpora.portal.models import FollowLink
from podpora.tickets.models import Ticket

_SALT = "podpora.portal.follow"
DEFAULT_MAX_AGE = timedelta(days=90)


class Refusal(StrEnum):
    INVALID = "invalid"  # forged, garbled, or for no ticket we have
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Followed:
    """What a token opens, or why it opens nothing."""

    link: FollowLink | None = None
    refusal: Refusal | None = None

    @property
    def ticket(self) -> Ticket:
        assert self.link is not None
        return self.link.ticket

    @property
    def recipient(self) -> User:
        assert self.link is not None
        return self.link.recipient


def live_link(ticket: Ticket, recipient: User) -> FollowLink:
    """The recipient's current link to the ticket, made on first need."""
    found = FollowLink.objects.filter(
        ticket=ticket, recipient=recipient, revoked_at__isnull=True
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FollowLink.objects.create(
                ticket=ticket, recipient=recipient, key=secrets.token_urlsafe(24)
            )
    except IntegrityError:  # made by a concurrent mail meanwhile
        return FollowLink.objects.get(
            ticket=ticket, recipient=recipient, revoked_at__isnull=True
        )


def follow_token(ticket: Ticket, recipient: User) -> str:
    link = live_link(ticket, recipient)
    return signing.TimestampSigner(salt=_SALT).sign(f"{ticket.number}.{link.key}")


def follow_path(ticket: Ticket, recipient: User) -> str:
    return reverse("portal:follow", kwargs={"token": follow_token(ticket, recipient)})


def follow_url(ticket: Ticket, recipient: User) -> str:
    """Absolute URL for the mails that go to ``recipient``."""
    return f"{settings.PODPORA_BASE_URL}{follow_path(ticket, recipient)}"


def resolve(token: str, *, max_age: timedelta = DEFAULT_MAX_AGE) -> Followed:
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        value = signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        return Followed(refusal=Refusal.EXPIRED)
    except signing.BadSignature:
        return Followed(refusal=Refusal.INVALID)
    number, _dot, key = value.partition(".")
    link = (
        FollowLink.objects.select_related("ticket", "ticket__requester", "recipient")
        .filter(key=key, ticket__number=int(number) if number.isdigit() else -1)
        .first()
    )
    if link is None or not link.recipient.is_active:
        return Followed(refusal=Refusal.INVALID)
    if link.revoked_at is not None:
        return Followed(refusal=Refusal.REVOKED)
    return Followed(link=link)


def number_in(token: str) -> str:
    """The ticket number a token names, to prefill the "fresh link" form
    (also for the per-ticket links of mails sent before links were per
    recipient, ``<number>:…``, which no longer open anything)."""
    found = re.match(r"(\d+)[.:]", token)
    return found.group(1) if found else ""


@transaction.atomic
def revoke(link: FollowLink, *, by: User | None) -> None:
    FollowLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )


@transaction.atomic
def revoke_all(ticket: Ticket, *, by: User | None = None) -> None:
    FollowLink.objects.filter(ticket=ticket, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
