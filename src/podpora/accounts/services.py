"""The only code that writes people, organisations and teams."""

import re
import zoneinfo
from collections.abc import Sequence
from enum import Enum

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, EmailValidator
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.accounts.models import (
    AgentRole,
    Membership,
    MembershipRole,
    Organization,
    OrganizationDomain,
    Team,
    Tier,
    User,
    normalize_email,
)
from podpora.accounts.permissions import Right, can
from podpora.audit import services as audit
from podpora.audit.models import Kind


class Unset(Enum):
    """For a field that may be set to ``None``: "leave it as it is"."""

    UNSET = "unset"


UNSET = Unset.UNSET


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


# --- the client directory: organisations, customers, teams ----------------------------
# The writes of the API and of the client directory (``podpora.clients``): any
# agent may add a customer as a member (as an invitation does); changing an
# organisation, its domains and its people or making a manager takes the right
# to manage clients (supervisors and administrators); teams take the right to
# manage people (administrators).


def _require(user: User, right: Right, message: str) -> None:
    if not can(user, right):
        raise AccountError(message, code="not_allowed")


def _require_people_manager(user: User) -> None:
    _require(user, Right.MANAGE_PEOPLE, _("Only administrators can manage people."))


def _require_client_manager(user: User) -> None:
    _require(
        user,
        Right.MANAGE_CLIENTS,
        _("Only supervisors and administrators can manage clients."),
    )


def _clean_name(
    name: str, model: type[Organization] | type[Team], pk: int | None
) -> str:
    name = name.strip()
    if not name:
        raise AccountError(_("A name is required."), code="invalid_input")
    others = model.objects.filter(name__iexact=name)
    if pk is not None:
        others = others.exclude(pk=pk)
    if others.exists():
        raise AccountError(
            _("The name %(name)s is already used.") % {"name": name}, code="conflict"
        )
    return name


def _set_domains(organization: Organization, domains: Sequence[str]) -> None:
    cleaned = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        try:
            DomainNameValidator(accept_idna=True)(domain)
        except ValidationError:
            raise AccountError(
                _("Not an e-mail domain: %(domain)s") % {"domain": raw[:253]},
                code="invalid_input",
            ) from None
        cleaned.append(domain)
    taken = (
        OrganizationDomain.objects.filter(domain__in=cleaned)
        .exclude(organization=organization)
        .values_list("domain", flat=True)
        .first()
    )
    if taken:
        raise AccountError(
            _("The domain %(domain)s belongs to another organisation.")
            % {"domain": taken},
            code="conflict",
        )
    organization.domains.exclude(domain__in=cleaned).delete()
    for domain in dict.fromkeys(cleaned):
        OrganizationDomain.objects.get_or_create(
            organization=organization, domain=domain
        )


@transaction.atomic
def create_organization(
    by: User, *, name: str, domains: Sequence[str] = (), notes: str = ""
) -> Organization:
    _require_client_manager(by)
    organization = Organization.objects.create(
        name=_clean_name(name, Organization, None), notes=notes
    )
    _set_domains(organization, domains)
    return organization


@transaction.atomic
def update_organization(
    by: User,
    organization: Organization,
    *,
    name: str | None = None,
    domains: list[str] | None = None,
    notes: str | None = None,
    is_active: bool | None = None,
) -> Organization:
    _require_client_manager(by)
    if name is not None:
        organization.name = _clean_name(name, Organization, organization.pk)
    if notes is not None:
        organization.notes = notes
    if is_active is not None:
        organization.is_active = is_active
    organization.save()
    if domains is not None:
        _set_domains(organization, domains)
    return organization


def _check_language(language: str) -> str:
    if language and language not in dict(settings.LANGUAGES):
        raise AccountError(
            _("Unknown language: %(language)s") % {"language": language[:20]},
            code="invalid_input",
        )
    return language


def _check_time_zone(time_zone: str) -> str:
    if time_zone not in zoneinfo.available_timezones():
        raise AccountError(
            _("Unknown time zone: %(zone)s") % {"zone": time_zone[:64]},
            code="invalid_input",
        )
    return time_zone


@transaction.atomic
def create_customer(
    by: User,
    *,
    email: str,
    full_name: str = "",
    phone: str = "",
    language: str = "",
    time_zone: str = "",
    organization: Organization | None = None,
    role: str = MembershipRole.MEMBER,
) -> User:
    """A new customer; with no organisation given, the one owning the
    address's domain. An address that already has an account is a conflict."""
    _require(by, Right.WORK_TICKETS, _("Only agents can add customers."))
    if role == MembershipRole.MANAGER:
        _require(
            by,
            Right.MANAGE_CLIENTS,
            _("Only supervisors and administrators can make someone a manager."),
        )
    if User.objects.filter(email=normalize_email(email or "")).exists():
        raise AccountError(_("This address already has an account."), code="conflict")
    user, _created = get_or_create_customer(
        email, full_name=full_name, phone=phone, language=_check_language(language)
    )
    if time_zone:
        user.time_zone = _check_time_zone(time_zone)
        user.save(update_fields=["time_zone"])
    if organization is not None:
        Membership.objects.filter(user=user).exclude(organization=organization).delete()
        add_member(user, organization, role=role)
    elif role == MembershipRole.MANAGER:
        Membership.objects.filter(user=user).update(role=MembershipRole.MANAGER)
    return user


def _require_customer(person: User) -> None:
    if not person.is_customer:
        raise AccountError(
            _("Agents' accounts are managed in the administration."),
            code="not_allowed",
        )


@transaction.atomic
def update_customer(
    by: User,
    person: User,
    *,
    full_name: str | None = None,
    phone: str | None = None,
    language: str | None = None,
    time_zone: str | None = None,
    is_active: bool | None = None,
) -> User:
    _require_client_manager(by)
    _require_customer(person)
    if full_name is not None:
        person.full_name = full_name.strip()[:200]
    if phone is not None:
        person.phone = phone.strip()[:40]
    if language is not None:
        person.language = _check_language(language)
    if time_zone is not None:
        person.time_zone = _check_time_zone(time_zone)
    if is_active is not None and is_active != person.is_active:
        audit.record(
            Kind.ROLE_CHANGED,
            actor=by,
            target=person.email,
            details={"active": [person.is_active, is_active]},
        )
        person.is_active = is_active
    person.save()
    return person


@transaction.atomic
def set_membership(
    by: User, person: User, organization: Organization, *, role: str
) -> Membership:
    """Adds the customer to the organisation or changes their role there;
    an agent may add a member, a manager takes the right to manage people."""
    _require(by, Right.WORK_TICKETS, _("Only agents can add customers."))
    _require_customer(person)
    current = Membership.objects.filter(user=person, organization=organization).first()
    if MembershipRole.MANAGER in {role, current.role if current else None}:
        _require(
            by,
            Right.MANAGE_CLIENTS,
            _("Only supervisors and administrators can make someone a manager."),
        )
    if current is not None and current.role != role:
        audit.record(
            Kind.ROLE_CHANGED,
            actor=by,
            target=f"{person.email} @ {organization.name}",
            details={"membership": [current.role, role]},
        )
    return add_member(person, organization, role=role)


@transaction.atomic
def remove_membership(by: User, person: User, organization: Organization) -> None:
    _require_client_manager(by)
    Membership.objects.filter(user=person, organization=organization).delete()


def _agents(ids: list[int]) -> list[User]:
    agents = list(User.objects.filter(pk__in=ids).exclude(agent_role=""))
    if len(agents) != len(set(ids)):
        raise AccountError(_("Only agents can be in a team."), code="invalid_input")
    return agents


@transaction.atomic
def save_team(
    by: User,
    team: Team | None,
    *,
    name: str | None = None,
    description: str | None = None,
    tier: int | None = None,
    agent_ids: list[int] | None = None,
    lead_id: int | Unset | None = UNSET,
    escalation_team_id: int | Unset | None = UNSET,
    is_active: bool | None = None,
) -> Team:
    """Creates (``team`` is ``None``) or changes a team; ``None`` leaves a
    field as it is, and ``lead_id``/``escalation_team_id`` may be set to ``None``."""
    _require_people_manager(by)
    if team is None:
        if name is None:
            raise AccountError(_("A name is required."), code="invalid_input")
        team = Team()
    if name is not None:
        team.name = _clean_name(name, Team, team.pk)
    if description is not None:
        team.description = description
    if tier is not None:
        if tier not in Tier.values:
            raise AccountError(_("The tier is 1, 2 or 3."), code="invalid_input")
        team.tier = tier
    if is_active is not None:
        team.is_active = is_active
    if not isinstance(lead_id, Unset):
        team.lead = _agents([lead_id])[0] if lead_id is not None else None
    if not isinstance(escalation_team_id, Unset):
        target = (
            Team.objects.filter(pk=escalation_team_id).first()
            if escalation_team_id is not None
            else None
        )
        if escalation_team_id is not None and (target is None or target.pk == team.pk):
            raise AccountError(
                _("The team to escalate to must be another team."),
                code="invalid_input",
            )
        team.escalation_team = target
    team.save()
    if agent_ids is not None:
        team.agents.set(_agents(agent_ids))
    return team


def end_session(request: HttpRequest, session: UserSession) -> None:
    """Signs one of a person's sessions out (their own, from the Security page)."""
    audit.record(
        Kind.SESSION_ENDED,
        request=request,
        target=session.ip or "",
        details={"user_agent": session.user_agent[:200]},
    )
    session.end()
