"""Telling people from scripts on the public form, without a third party.

Three checks: a honeypot field people never see, a signed timestamp (a person
takes at least a few seconds to write a request, and a form older than two
hours is stale), and, after several submissions from one address, a small sum
to solve. The sum's answer travels signed, so nothing is stored per visitor.
"""

import secrets
import time

from django.core import signing

_SALT = "podpora.portal.botcheck"
MIN_SECONDS = 3
MAX_SECONDS = 2 * 3600


def stamp(at: float | None = None) -> str:
    """When the form was rendered, signed; ``at`` lets tests age a form."""
    return signing.dumps({"t": time.time() if at is None else at}, salt=_SALT)


def stamp_age(value: str) -> float | None:
    """Seconds since the form was rendered; ``None`` for a forged stamp."""
    try:
        data = signing.loads(value or "", salt=_SALT)
    except signing.BadSignature:
        return None
    try:
        return time.time() - float(data["t"])
    except (KeyError, TypeError, ValueError):
        return None


def new_challenge() -> str:
    """A signed token holding a question like ``4 + 7`` and its answer."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    return signing.dumps({"q": f"{a} + {b}", "a": a + b}, salt=_SALT + ".sum")


def question_of(token: str) -> str:
    try:
        data = signing.loads(token or "", salt=_SALT + ".sum", max_age=MAX_SECONDS)
    except signing.BadSignature:
        return ""
    return str(data.get("q", ""))


def challenge_solved(token: str, answer: str) -> bool:
    try:
        data = signing.loads(token or "", salt=_SALT + ".sum", max_age=MAX_SECONDS)
    except signing.BadSignature:
        return False
    return (answer or "").strip() == str(data.get("a"))
