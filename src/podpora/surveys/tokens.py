"""Signed, expiring survey links that need no login.

The token is the survey's id and nonce, signed with a timestamp. It is
single-use because a survey takes one answer; it expires after
``PODPORA_SURVEY_LINK_DAYS`` (default 30).
"""

import enum
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from podpora.surveys.models import Survey

_SALT = "podpora.surveys.respond"
DEFAULT_LINK_DAYS = 30


class LinkProblem(enum.StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


def link_max_age() -> timedelta:
    return timedelta(
        days=getattr(settings, "PODPORA_SURVEY_LINK_DAYS", DEFAULT_LINK_DAYS)
    )


def make_token(survey: Survey) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{survey.pk}.{survey.nonce.hex}")


def respond_url(survey: Survey) -> str:
    """Absolute URL for the e-mail."""
    path = reverse("surveys:respond", kwargs={"token": make_token(survey)})
    return f"{settings.PODPORA_BASE_URL}{path}"


def survey_from_token(token: str) -> tuple[Survey | None, LinkProblem | None]:
    """The survey a token opens, or why it does not: a forged or mangled token
    is ``INVALID``, an old one ``EXPIRED``, an answered survey ``USED``."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        value = signer.unsign(token, max_age=link_max_age())
    except signing.SignatureExpired:
        return None, LinkProblem.EXPIRED
    except signing.BadSignature:
        return None, LinkProblem.INVALID
    pk_text, _dot, nonce = value.partition(".")
    survey = (
        Survey.objects.filter(pk=int(pk_text) if pk_text.isdigit() else 0)
        .select_related("ticket", "recipient")
        .first()
    )
    if survey is None or survey.nonce.hex != nonce:
        return None, LinkProblem.INVALID
    if survey.answered_at is not None:
        return survey, LinkProblem.USED
    return survey, None
