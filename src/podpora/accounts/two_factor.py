"""Who must sign in with a second factor, and keeping them to its set-up page
until they have one (docs/sign-in.md).

The policy is checked when a sign-in completes: a person whose role is in
``PODPORA_MFA_REQUIRED_FOR`` and who has no authenticator app or security key
gets a session that reaches only the two-factor pages (and sign-out) until one
is added. API tokens are not sessions and are not affected.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

SESSION_KEY = "podpora_mfa_setup_required"
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def role_of(user: AbstractBaseUser) -> str:
    return str(getattr(user, "agent_role", "") or "customer")


def is_required(user: AbstractBaseUser) -> bool:
    if getattr(user, "two_factor_exempt", False):
        return False
    return role_of(user) in settings.PODPORA_MFA_REQUIRED_FOR


def has_second_factor(user: AbstractBaseUser) -> bool:
    return is_mfa_enabled(user, SECOND_FACTORS)


def after_sign_in(request: HttpRequest, user: AbstractBaseUser) -> None:
    if is_required(user) and not has_second_factor(user):
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)
