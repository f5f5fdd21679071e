"""Periodic jobs of the task machinery itself (docs/adr/0007-task-outbox.md):
tasks kept while the backend was down are enqueued, and tasks a dead worker
left RUNNING are reaped."""

from datetime import timedelta

from django.tasks import task

from podpora.core import outbox, reaper
from podpora.core.scheduler import PeriodicJob


@task()
def drain_outbox() -> int:
    """Safe to run twice: a kept task is deleted as it is enqueued."""
    return outbox.drain()


@task()
def reap_tasks() -> int:
    """Safe to run twice: a task is reaped by a compare-and-set update."""
    return len(reaper.reap())


JOBS = [
    PeriodicJob(
        name="core.drain_outbox",
        every=timedelta(seconds=10),
        task="podpora.core.jobs.drain_outbox",
    ),
    PeriodicJob(
        name="core.reap_tasks",
        every=timedelta(minutes=1),
        task="podpora.core.jobs.reap_tasks",
    ),
]
