"""Sign-in against LDAP or Active Directory (django-auth-ldap), configured by
``PODPORA_LDAP_*`` (docs/sign-in.md, "LDAP and Active Directory").

The directory checks the password; the person is found or made in Podpora by
e-mail address, their name refreshed from the directory on every sign-in, and
their agent role set from the directory groups named in
``PODPORA_LDAP_ROLE_GROUPS``. Someone in none of those groups signs in as a
customer (joining the organisation of their e-mail domain when they are new);
``PODPORA_LDAP_REQUIRE_GROUP`` keeps everyone else out.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend as BaseLDAPBackend

from podpora.accounts.models import AgentRole, User

# Highest first: someone in two role groups gets the stronger role.
_ROLE_ORDER = [AgentRole.ADMIN, AgentRole.SUPERVISOR, AgentRole.AGENT]


def parse_role_groups(value: str) -> dict[str, str]:
    """``"admin=cn=admins,ou=groups,dc=x;agent=cn=desk,ou=groups,dc=x"`` →
    ``{"admin": "cn=admins,…", "agent": "cn=desk,…"}`` (DNs hold commas and
    equals signs, so entries are split by semicolons and at the first "=")."""
    groups: dict[str, str] = {}
    for entry in value.split(";"):
        role, _, dn = entry.strip().partition("=")
        if role and dn:
            if role not in AgentRole.values:
                raise ValueError(f"PODPORA_LDAP_ROLE_GROUPS: unknown role {role!r}")
            groups[role] = dn.strip()
    return groups


def role_for(group_dns: set[str], role_groups: dict[str, str]) -> str:
    lowered = {dn.lower() for dn in group_dns}
    for role in _ROLE_ORDER:
        dn = role_groups.get(role)
        if dn and dn.lower() in lowered:
            return str(role)
    return ""


class LDAPBackend(BaseLDAPBackend):
    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> User | None:
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            apply_directory(user, ldap_user)
        return user

    def get_or_build_user(self, username: str, ldap_user: Any) -> Any:
        # The e-mail typed on the sign-in form is the Podpora account.
        return super().get_or_build_user(username.strip().lower(), ldap_user)


def apply_directory(user: User, ldap_user: Any) -> list[str]:
    """What the directory says beyond name and e-mail: the entry, the agent
    role from the groups, an organisation for a new customer. Returns what
    changed, for the sync's report."""
    from podpora.accounts import services

    changes = []
    if user.directory_dn != ldap_user.dn:
        user.directory_dn = ldap_user.dn
        user.save(update_fields=["directory_dn"])
    role_groups = parse_role_groups(settings.PODPORA_LDAP_ROLE_GROUPS)
    if role_groups:
        role = role_for(set(ldap_user.group_dns), role_groups)
        if user.agent_role != role:
            changes.append(
                f"role {user.agent_role or 'customer'} -> {role or 'customer'}"
            )
            _set_role(user, role)
    if not user.is_agent and not user.memberships.exists():
        organization = services.organization_for_email(user.email)
        if organization is not None:
            services.add_member(user, organization)
            changes.append(f"member of {organization.name}")
    return changes


def _set_role(user: User, role: str) -> None:
    from podpora.audit import services as audit
    from podpora.audit.models import Kind

    audit.record(
        Kind.ROLE_CHANGED,
        actor=user,
        target=user.email,
        details={"agent_role": [user.agent_role, role], "source": "ldap"},
    )
    user.agent_role = role
    user.save(update_fields=["agent_role"])


@dataclass
class SyncReport:
    lines: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deactivated: int = 0


def sync(*, dry_run: bool = False) -> SyncReport:
    """Bring everyone the directory lists into Podpora and deactivate the
    directory's people it no longer lists. A dry run does the same work in a
    transaction that is rolled back, so its report is exactly what a real
    run would do."""
    import ldap
    from django_auth_ldap.config import LDAPSearch

    from podpora.audit import services as audit
    from podpora.audit.models import Kind

    backend = LDAPBackend()
    search = LDAPSearch(
        settings.AUTH_LDAP_USER_SEARCH.base_dn,
        ldap.SCOPE_SUBTREE,
        settings.PODPORA_LDAP_SYNC_FILTER,
    )
    connection = ldap.initialize(settings.AUTH_LDAP_SERVER_URI)
    for option, value in getattr(settings, "AUTH_LDAP_CONNECTION_OPTIONS", {}).items():
        connection.set_option(option, value)
    if getattr(settings, "AUTH_LDAP_START_TLS", False):
        connection.start_tls_s()
    connection.simple_bind_s(
        settings.AUTH_LDAP_BIND_DN, settings.AUTH_LDAP_BIND_PASSWORD
    )
    try:
        entries = search.execute(connection)
    finally:
        connection.unbind_s()

    report = SyncReport()
    required = getattr(settings, "AUTH_LDAP_REQUIRE_GROUP", None)
    with transaction.atomic():
        seen: set[str] = set()
        for _dn, attrs in entries:
            email = str((attrs.get("mail") or [""])[0]).strip().lower()
            if not email:
                continue
            existed = User.objects.filter(email=email).exists()
            user = backend.populate_user(email)
            if user is None:
                continue
            if required and str(required).lower() not in {
                dn.lower() for dn in user.ldap_user.group_dns
            }:
                continue
            seen.add(email)
            changes = apply_directory(user, user.ldap_user)
            if not existed:
                report.created += 1
                report.lines.append(f"+ {email} ({user.agent_role or 'customer'})")
            elif changes:
                report.updated += 1
                report.lines.append(f"~ {email}: {', '.join(changes)}")
        gone = User.objects.filter(is_active=True).exclude(directory_dn="")
        for user in gone.exclude(email__in=seen):
            audit.record(
                Kind.ROLE_CHANGED,
                actor_email="ldap sync",
                target=user.email,
                details={"active": [True, False], "source": "ldap"},
            )
            user.is_active = False
            user.save(update_fields=["is_active"])
            report.deactivated += 1
            report.lines.append(f"- {user.email} (no longer in the directory)")
        if dry_run:
            transaction.set_rollback(True)
    return report
