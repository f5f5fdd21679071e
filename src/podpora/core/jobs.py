"""Periodic jobs of the core: those of the task machinery itself
(docs/adr/0007-task-outbox.md) — tasks kept while the backend was down are
enqueued, tasks a dead worker left RUNNING are reaped — and, every five
minutes, the highest ticket number issued is recorded in the file store
(``core.backup.marks``), so that restoring an older backup never issues a
number a customer already has (docs/adr/0006)."""

from datetime import timedelta

from django.tasks import task

from podpora.core import outbox, reaper
from podpora.core.backup import marks
from podpora.core.scheduler import PeriodicJob
from podpora.tickets import numbering


@task()
def drain_outbox() -> int:
    """Safe to run twice: a kept task is deleted as it is enqueued."""
    return outbox.drain()


@task()
def reap_tasks() -> int:
    """Safe to run twice: a task is reaped by a compare-and-set update."""
    return len(reaper.reap())


@task()
def record_ticket_numbers() -> None:
    """Safe to run twice: the mark only ever grows."""
    marks.record_mark(numbering.last_issued_number())


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
    PeriodicJob(
        name="core.record_ticket_numbers",
        every=timedelta(minutes=5),
        task="podpora.core.jobs.record_ticket_numbers",
    ),
]
