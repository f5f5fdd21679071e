"""Bounds on passwords, checked before anything is hashed.

Hashing is slow on purpose, and its cost grows with the length of what is
hashed: a password of megabytes sent to the sign-in page would make the server
do that work for nothing. Anything over ``MAX_PASSWORD_BYTES`` (in UTF-8) is
refused by the form field, so it never reaches a hasher.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PASSWORD_BYTES = 4096


def refuse_too_long(value: str) -> None:
    """A form-field validator; runs before the form's ``clean()`` hashes."""
    if len(str(value).encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES:
        raise ValidationError(
            _("A password can be at most %(limit)d bytes long."),
            code="password_too_long",
            params={"limit": MAX_PASSWORD_BYTES},
        )


class MaximumLengthValidator:
    """The same bound for Django's own password forms (admin, commands),
    through ``AUTH_PASSWORD_VALIDATORS``, which run before a password is set."""

    def validate(self, password: str, user: Any = None) -> None:
        refuse_too_long(password)

    def get_help_text(self) -> str:
        return _("Your password can be at most %(limit)d bytes long.") % {
            "limit": MAX_PASSWORD_BYTES
        }
