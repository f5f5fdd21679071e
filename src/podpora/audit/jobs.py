"""Daily: audit entries past ``PODPORA_AUDIT_RETENTION_DAYS`` are deleted."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from podpora.audit import services
from podpora.core.scheduler import PeriodicJob


@task()
def forget_old_entries() -> None:
    """Safe to run twice: the second run finds nothing old left."""
    services.forget_older_than(settings.PODPORA_AUDIT_RETENTION_DAYS)


JOBS = [
    PeriodicJob(
        name="audit.forget_old_entries",
        every=timedelta(days=1),
        task="podpora.audit.jobs.forget_old_entries",
    )
]
