from typing import Any

from django.core.cache import cache
from django.tasks import task

from podpora.core.reaper import retry_safe
from podpora.portal import emails


@retry_safe
@task()
def send_portal_email(
    *, to: str, kind: str, language: str, context: dict[str, Any], key: str
) -> None:
    # A task may run twice (a worker dies after sending); the key makes the
    # second run a no-op for a day, which is as long as a retry may lag.
    if not cache.add(f"podpora:portal:mail:{key}", 1, timeout=24 * 3600):
        return
    try:
        emails.deliver(to, kind, language, context)
    except Exception:
        cache.delete(f"podpora:portal:mail:{key}")
        raise
