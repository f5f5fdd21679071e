"""Every ``PODPORA_LDAP_SYNC_HOURS`` hours, when LDAP is configured: the
directory sync (``accounts.ldap.sync``). The scheduler imports this module
after settings are loaded."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from podpora.core.scheduler import PeriodicJob


@task()
def ldap_sync() -> None:
    """Safe to run twice: a second run finds everyone already in step."""
    from podpora.accounts import ldap

    ldap.sync()


JOBS = (
    [
        PeriodicJob(
            name="accounts.ldap_sync",
            every=timedelta(hours=settings.PODPORA_LDAP_SYNC_HOURS),
            task="podpora.accounts.jobs.ldap_sync",
        )
    ]
    if settings.PODPORA_LDAP_URL and settings.PODPORA_LDAP_SYNC_HOURS > 0
    else []
)
