"""Hourly: public requests nobody confirmed within a day are forgotten, with
their files (``services.forget_stale_requests``). Confirming already refuses
an old link, so this only frees the space."""

from datetime import timedelta

from django.tasks import task

from podpora.core.scheduler import PeriodicJob
from podpora.portal import services


@task()
def forget_stale_requests() -> None:
    """Safe to run twice: the second run finds nothing left to forget."""
    services.forget_stale_requests()


JOBS = [
    PeriodicJob(
        name="portal.forget_stale_requests",
        every=timedelta(hours=1),
        task="podpora.portal.jobs.forget_stale_requests",
    )
]
