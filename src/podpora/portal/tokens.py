"""Signed, expiring tokens for registration and invitations.

A registration token carries the address and name someone typed; nothing is
stored until they prove the address is theirs by opening the link. An account
token (invitation, "set your password") is bound to the user's current
password hash, so it works once: setting a password invalidates it.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from podpora.accounts.models import User

_REGISTER_SALT = "podpora.portal.register"
_ACCOUNT_SALT = "podpora.portal.account"
REGISTER_MAX_AGE = timedelta(days=2)
ACCOUNT_MAX_AGE = timedelta(days=7)  # invitations and "choose a password"


@dataclass(frozen=True)
class Registration:
    email: str
    full_name: str
    language: str


def registration_token(registration: Registration) -> str:
    return signing.dumps(
        {
            "e": registration.email,
            "n": registration.full_name,
            "l": registration.language,
        },
        salt=_REGISTER_SALT,
        compress=True,
    )


def registration_from_token(token: str) -> Registration | None:
    try:
        data = signing.loads(token, salt=_REGISTER_SALT, max_age=REGISTER_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    return Registration(
        email=data["e"],
        full_name=str(data.get("n", "")),
        language=str(data.get("l", "")),
    )


def _state(user: User) -> str:
    # Changes whenever the password (or its unusable placeholder) changes.
    return salted_hmac(
        _ACCOUNT_SALT,
        f"{user.pk}:{user.password}:{user.is_active}",
        algorithm="sha256",
    ).hexdigest()[:20]


def account_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _state(user)}, salt=_ACCOUNT_SALT)


def user_from_account_token(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=_ACCOUNT_SALT, max_age=ACCOUNT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or not constant_time_compare(str(data.get("s", "")), _state(user)):
        return None
    return user
