"""The only code that writes people, organisations and teams."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.accounts.models import (
    AgentRole,
    Membership,
    MembershipRole,
    Organization,
    OrganizationDomain,
    User,
    normalize_email,
)


class _MailboxAddressValidator(EmailValidator):
    """Django's address check, with the letters of any script allowed in the
    local part: SMTPUTF8 (RFC 6531) mail comes from addresses like
    ``jdöe@mächine.example``."""

    user_regex = re.compile(
        r"(^[\w!#$%&'*+/=?^`{|}~-]+(\.[\w!#$%&'*+/=?^`{|}~-]+)*\Z"
        r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z)',
        re.IGNORECASE,
    )


validate_email = _MailboxAddressValidator()


def domain_of(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


def organization_for_email(email: str) -> Organization | None:
    """The active organisation that owns the sender's domain, if any."""
    domain = domain_of(email)
    if not domain:
        return None
    found = (
        OrganizationDomain.objects.filter(domain=domain, organization__is_active=True)
        .select_related("organization")
        .first()
    )
    return found.organization if found else None


def primary_organization(user: User) -> Organization | None:
    membership = (
        Membership.objects.filter(user=user, organization__is_active=True)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    return membership.organization if membership else None


def active_user_with_organization(
    user_id: int,
) -> tuple[User, Organization | None] | None:
    """The active person with this id and their :func:`primary_organization`,
    in one query when they belong to one; ``None`` for no such person."""
    membership = (
        Membership.objects.filter(
            user_id=user_id, user__is_active=True, organization__is_active=True
        )
        .select_related("user", "organization")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.user, membership.organization
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return None if user is None else (user, None)


@transaction.atomic
def get_or_create_customer(
    email: str, *, full_name: str = "", phone: str = "", language: str = ""
) -> tuple[User, bool]:
    """Find a person by e-mail or create a customer, placed in the organisation
    that owns the address's domain. Returns ``(user, created)``."""
    email = normalize_email(email or "")
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(
            _("Not an e-mail address: %(email)s") % {"email": email[:254] or '""'},
            code="invalid_email",
        ) from None
    user = User.objects.filter(email=email).first()
    if user:
        return user, False
    user = User.objects.create_user(
        email=email,
        full_name=full_name.strip()[:200],
        phone=phone.strip()[:40],
        language=language,
    )
    organization = organization_for_email(email)
    if organization:
        Membership.objects.create(user=user, organization=organization)
    return user, True


def create_agent(
    email: str,
    *,
    full_name: str,
    role: str = AgentRole.AGENT,
    password: str | None = None,
) -> User:
    if role not in AgentRole.values:
        raise AccountError(
            _("Unknown agent role: %(role)s") % {"role": role}, code="invalid_role"
        )
    return User.objects.create_user(
        email=email, full_name=full_name, agent_role=role, password=password
    )


def add_member(
    user: User, organization: Organization, *, role: str = MembershipRole.MEMBER
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    return membership


def managed_organization_ids(user: User) -> list[int]:
    return list(
        Membership.objects.filter(user=user, role=MembershipRole.MANAGER).values_list(
            "organization_id", flat=True
        )
    )
