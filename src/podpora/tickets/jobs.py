"""Daily: files a killed process left without their row are deleted
(see ``attachments.sweep_orphans``).

Daily, not hourly: a rollback already deletes its files at once, so only a
hard kill leaves one, and a sweep reads every swept file and asks every
file column about them (20,000 files: about 1 s on PostgreSQL)."""

from datetime import timedelta

from django.tasks import task

from podpora.core.scheduler import PeriodicJob
from podpora.tickets import attachments


@task()
def sweep_orphan_files() -> int:
    """Delete unreferenced files older than an hour; safe to run twice."""
    return len(attachments.sweep_orphans())


JOBS = [
    PeriodicJob(
        name="tickets.sweep_orphan_files",
        every=timedelta(days=1),
        task="podpora.tickets.jobs.sweep_orphan_files",
    )
]
