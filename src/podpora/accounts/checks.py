"""Sign-in settings checked at boot (docs/configuration.md)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from podpora.accounts.models import AgentRole

ROLES = {*AgentRole.values, "customer"}


@register()
def check_sign_in_settings(**kwargs: Any) -> list[Error]:
    errors = []
    unknown = set(settings.PODPORA_MFA_REQUIRED_FOR) - ROLES
    if unknown:
        errors.append(
            Error(
                f"PODPORA_MFA_REQUIRED_FOR names unknown roles: {', '.join(sorted(unknown))}",
                hint=f"Use any of: {', '.join(sorted(ROLES))}.",
                id="podpora.accounts.E001",
            )
        )
    if settings.PODPORA_LDAP_ROLE_GROUPS:
        from podpora.accounts.ldap import parse_role_groups

        try:
            parse_role_groups(settings.PODPORA_LDAP_ROLE_GROUPS)
        except ValueError as error:
            errors.append(Error(str(error), id="podpora.accounts.E002"))
    return errors
