"""Telling people from scripts on the public form, without a third party.

Each rendering of the form gets a random id; what it stands for (when the
form was rendered and, when asked, a small sum's answer) is kept on the
server, in the shared cache, never in the page. So the page holds nothing a
script could decode, and an id is taken on its first use: one solved sum or
one aged form sends one request, not a stream.

The checks: a honeypot field people never see; the time the form was open (a
person takes a few seconds to write a request; a form older than two hours is
stale); and, after several submissions from one address, a sum asked in words
a screen reader reads out (no image). A script written for this very page can
still read the question; the per-recipient limit and the confirmation mail
(``services.hold_public_request``) are what keep the form from mailing a
victim, this only raises the cost of trying.
"""

import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache

MIN_SECONDS = 3
MAX_SECONDS = 2 * 3600
_PREFIX = "portal:botcheck:"  # the cache adds the install's prefix


@dataclass(frozen=True)
class Rendering:
    """What the server remembers about one rendering of the form."""

    rendered_at: float
    question: str = ""
    answer: str = ""

    @property
    def age(self) -> float:
        return time.time() - self.rendered_at


def issue(*, with_question: bool = False, at: float | None = None) -> str:
    """A fresh id for one rendering; ``at`` lets tests age a form."""
    question = answer = ""
    if with_question:
        a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
        question, answer = f"{a} + {b}", str(a + b)
    form_id = secrets.token_urlsafe(24)
    cache.set(
        _PREFIX + form_id,
        {"t": time.time() if at is None else at, "q": question, "a": answer},
        timeout=MAX_SECONDS + 60,
    )
    return form_id


def question_of(form_id: str) -> str:
    """The question to show with this rendering ("4 + 7"), or ""."""
    data = cache.get(_PREFIX + form_id) if form_id else None
    return str(data.get("q", "")) if isinstance(data, dict) else ""


def take(form_id: str) -> Rendering | None:
    """The rendering ``form_id`` names, forgotten at once so it works once;
    ``None`` for an unknown, used or forged id."""
    if not form_id or len(form_id) > 64:
        return None
    key = _PREFIX + form_id
    data = cache.get(key)
    if not isinstance(data, dict) or not cache.delete(key):
        # delete() is false when another request took it first.
        return None
    return Rendering(
        rendered_at=float(data.get("t", 0)),
        question=str(data.get("q", "")),
        answer=str(data.get("a", "")),
    )


def solved(rendering: Rendering, answer: str) -> bool:
    return bool(rendering.answer) and (answer or "").strip() == rendering.answer
