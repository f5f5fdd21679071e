"""Creating, checking and revoking personal API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.models import User
from podpora.api.models import ApiToken, TokenScope
from podpora.tickets.errors import InvalidInput

TOKEN_PREFIX = "pdp_"  # noqa: S105 (a marker, not a secret)
# Writing last_used_at on every request would turn each read into a write;
# a minute's precision is what a person looking at the token list needs.
_LAST_USED_PRECISION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(user: User, *, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown once and never stored."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise InvalidInput(_("Give the token a name."))
    if scope not in TokenScope.values:
        raise InvalidInput(_("Unknown scope."))
    visible = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{visible}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=f"{TOKEN_PREFIX}{visible}",
        secret_hash=_hash(secret),
        scope=scope,
    )
    return token, secret


def revoke_token(user: User, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def authenticate(secret: str) -> ApiToken | None:
    """The active token for a secret, with its user, or ``None``."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(secret_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
    )
