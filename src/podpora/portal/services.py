"""What the portal does on a customer's behalf. Ticket writes go through
``tickets.services``; people through ``accounts.services``."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.models import (
    Membership,
    MembershipRole,
    Organization,
    User,
    normalize_email,
)
from podpora.accounts.permissions import Right, can
from podpora.accounts.services import add_member, get_or_create_customer
from podpora.portal import emails, links, tokens
from podpora.portal.models import (
    FollowLink,
    PendingFile,
    PendingRequest,
    PortalSettings,
)
from podpora.tickets import services as ticket_services
from podpora.tickets.errors import NotAllowed
from podpora.tickets.models import Category, Channel, Priority, Ticket
from podpora.tickets.services import IncomingFile


def _absolute(path: str) -> str:
    return f"{settings.PODPORA_BASE_URL}{path}"


def follow_max_age() -> timedelta:
    return timedelta(days=PortalSettings.load().follow_link_days)


# --- requests ---------------------------------------------------------------------


@transaction.atomic
def submit_request(
    customer: User,
    *,
    subject: str,
    description: str,
    category: Category | None,
    priority: int | None,
    files: Sequence[IncomingFile],
) -> Ticket:
    """A signed-in customer's request from the portal."""
    if priority is None or not PortalSettings.load().customers_choose_priority:
        priority = Priority.NORMAL
    if category is not None and not (
        category.is_active and category.customer_selectable
    ):
        category = None
    return ticket_services.open_ticket(
        subject=subject,
        requester=customer,
        channel=Channel.PORTAL,
        body_text=description,
        category=category,
        priority=priority,
        files=files,
    )


@transaction.atomic
def submit_public_request(
    *,
    full_name: str,
    email: str,
    subject: str,
    description: str,
    files: Sequence[IncomingFile],
    language: str,
) -> Ticket:
    """A request from someone without an account. The follow link goes only to
    the address given, so typing someone else's address shows the typist nothing."""
    requester, _created = get_or_create_customer(
        email, full_name=full_name, language=language
    )
    ticket = ticket_services.open_ticket(
        subject=subject,
        requester=requester,
        channel=Channel.PORTAL,
        body_text=description,
        files=files,
        via="portal:public",
        message_data={"source": "public_form"},
    )
    _send_follow_link(
        ticket, ticket.requester, kind="follow_link", fallback_language=language
    )
    return ticket


# --- the public form: nothing happens until the address is confirmed ------------

CONFIRM_MAX_AGE = timedelta(hours=24)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def forget_stale_requests() -> None:
    """Requests nobody confirmed within a day go, their files too."""
    stale = PendingRequest.objects.filter(
        created_at__lt=timezone.now() - CONFIRM_MAX_AGE
    )
    for held in PendingFile.objects.filter(request__in=stale):
        held.file.delete(save=False)
    stale.delete()


@transaction.atomic
def hold_public_request(
    *,
    full_name: str,
    email: str,
    subject: str,
    description: str,
    files: Sequence[IncomingFile],
    language: str,
) -> None:
    """Keep a public request and mail its address a link to confirm it.

    The mail carries only our own fixed words and the link: no name, no
    subject, nothing the sender typed, so the form cannot be used to send a
    stranger someone else's text. (Limiting how many such mails one address
    gets is the caller's check.)
    """
    key = secrets.token_urlsafe(32)
    email = normalize_email(email)
    held = PendingRequest.objects.create(
        key_hash=_hash(key),
        email=email,
        full_name=full_name,
        subject=subject,
        description=description,
        language=language,
    )
    for incoming in files:
        PendingFile.objects.create(
            request=held,
            file=ContentFile(incoming.content, name="held"),
            name=incoming.name,
            content_type=incoming.declared_type,
        )
    known = User.objects.filter(email=email).first()
    emails.send_later(
        email,
        "confirm_request",
        emails.language_for(known.language if known else "", language),
        {
            "url": _absolute(reverse("portal:public_confirm", kwargs={"key": key})),
            "hours": int(CONFIRM_MAX_AGE.total_seconds() // 3600),
        },
    )


def held_request(key: str) -> PendingRequest | None:
    """The unconfirmed request a confirmation link names, while it is fresh."""
    if not key or len(key) > 100:
        return None
    return PendingRequest.objects.filter(
        key_hash=_hash(key), created_at__gte=timezone.now() - CONFIRM_MAX_AGE
    ).first()


@transaction.atomic
def confirm_public_request(held: PendingRequest) -> Ticket:
    """The address is proven: the request becomes a ticket (once)."""
    locked = PendingRequest.objects.select_for_update().filter(pk=held.pk).first()
    if locked is None:
        raise NotAllowed(_("This request was already sent."))
    files = []
    for pending in locked.files.all():
        with pending.file.open("rb") as handle:
            content = handle.read()
        files.append(IncomingFile(pending.name, content, pending.content_type))
        pending.file.delete(save=False)
    ticket = submit_public_request(
        full_name=locked.full_name,
        email=locked.email,
        subject=locked.subject,
        description=locked.description,
        files=files,
        language=locked.language,
    )
    locked.delete()
    return ticket


def _send_follow_link(
    ticket: Ticket, recipient: User, *, kind: str, fallback_language: str
) -> None:
    emails.send_later(
        recipient.email,
        kind,
        emails.language_for(recipient.language, fallback_language),
        {
            "name": recipient.full_name,
            "reference": ticket.reference,
            "subject": ticket.subject,
            "url": links.follow_url(ticket, recipient),
            "days": PortalSettings.load().follow_link_days,
        },
    )


def send_fresh_follow_link(number: int, email: str, *, language: str) -> bool:
    """Mail a new follow link when ``email`` is the ticket's requester or one
    of its CCs (each gets their own link). The caller answers the same either
    way, so nobody learns whose ticket it is."""
    email = normalize_email(email)
    ticket = Ticket.objects.select_related("requester").filter(number=number).first()
    if ticket is None:
        return False
    if ticket.requester.email == email:
        recipient: User | None = ticket.requester
    else:
        recipient = ticket.cc.filter(email=email).first()
    if recipient is None or not recipient.is_active:
        return False
    with transaction.atomic():
        _send_follow_link(
            ticket, recipient, kind="fresh_follow_link", fallback_language=language
        )
    return True


def revoke_follow_link(link: FollowLink, *, by: User) -> None:
    """An agent stops one recipient's sign-in-free links to a ticket."""
    if not can(by, Right.WORK_TICKETS):
        raise NotAllowed(_("Only agents can revoke follow links."))
    links.revoke(link, by=by)


def reply(
    ticket: Ticket, author: User, *, body: str, files: Sequence[IncomingFile]
) -> None:
    ticket_services.add_customer_message(
        ticket, author=author, body_text=body, files=files, channel=Channel.PORTAL
    )


# --- accounts ---------------------------------------------------------------------


def start_registration(*, email: str, full_name: str, language: str) -> None:
    """Send the mail that proves the address. Whether the address is known is
    only ever said in that mail, never on the page."""
    email = normalize_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is None:
        token = tokens.registration_token(
            tokens.Registration(email=email, full_name=full_name, language=language)
        )
        kind = "register_confirm"
        url = _absolute(reverse("portal:register_confirm", kwargs={"token": token}))
    elif existing.has_usable_password() or not existing.is_active:
        kind, url = "register_existing", _absolute(reverse("accounts:login"))
    else:
        # Known from e-mail or the public form, never chose a password.
        kind = "register_confirm"
        url = _absolute(
            reverse(
                "portal:set_password",
                kwargs={"token": tokens.account_token(existing)},
            )
        )
    with transaction.atomic():
        emails.send_later(
            email,
            kind,
            emails.language_for(existing.language if existing else language, language),
            # Never the name typed into the form: a stranger could type
            # anything there, and this goes to the address, not the typist.
            {
                "name": existing.full_name if existing else "",
                "url": url,
                "email": email,
            },
        )


@transaction.atomic
def complete_registration(registration: tokens.Registration, password: str) -> User:
    user, created = get_or_create_customer(
        registration.email,
        full_name=registration.full_name,
        language=registration.language,
    )
    if not created and user.has_usable_password():
        # The link was opened twice, or the address registered another way
        # meanwhile: never overwrite a password someone already chose.
        raise NotAllowed(_("This address already has an account."))
    user.password = make_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def set_password(user: User, password: str) -> User:
    user.password = make_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def invite(
    *,
    invited_by: User,
    email: str,
    full_name: str = "",
    language: str = "",
    organization: Organization | None = None,
    role: str = MembershipRole.MEMBER,
) -> User:
    """Create (or find) a customer and mail them a link to choose a password.

    Any agent may invite a new person, into an organisation too. Moving
    someone who already exists into an organisation (its managers then see
    their tickets), or making someone a manager, who sees all its tickets,
    takes the right to manage people.
    """
    if not can(invited_by, Right.WORK_TICKETS):
        raise NotAllowed(_("Only agents can invite customers."))
    if role == MembershipRole.MANAGER and not can(invited_by, Right.MANAGE_CLIENTS):
        raise NotAllowed(
            _("Only supervisors and administrators can make someone a manager.")
        )
    user, created = get_or_create_customer(
        email, full_name=full_name, language=language
    )
    if user.is_agent:
        raise NotAllowed(_("This address belongs to an agent."))
    if (
        organization is not None
        and not created
        and not can(invited_by, Right.MANAGE_CLIENTS)
        and not user.memberships.filter(organization=organization).exists()
    ):
        raise NotAllowed(
            _(
                "This person already has an account: only supervisors and "
                "administrators can add them to an organisation."
            )
        )
    if organization is not None:
        add_member(user, organization, role=role)
    elif role == MembershipRole.MANAGER:
        Membership.objects.filter(user=user).update(role=MembershipRole.MANAGER)
    context: dict[str, Any] = {
        "name": user.full_name,
        "inviter": invited_by.display_name,
        "organization": organization.name if organization else "",
        "days": tokens.ACCOUNT_MAX_AGE.days,
    }
    if user.has_usable_password():
        context["url"] = _absolute(reverse("accounts:login"))
        context["has_password"] = True
    else:
        context["url"] = _absolute(
            reverse("portal:set_password", kwargs={"token": tokens.account_token(user)})
        )
    emails.send_later(
        user.email, "invitation", emails.language_for(user.language, language), context
    )
    return user
