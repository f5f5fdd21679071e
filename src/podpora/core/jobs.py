"""Every five minutes: the highest ticket number issued is recorded in the
file store (``core.backup.marks``), so that restoring an older backup never
issues a number a customer already has (docs/adr/0006)."""

from datetime import timedelta

from django.tasks import task

from podpora.core.backup import marks
from podpora.core.scheduler import PeriodicJob
from podpora.tickets import numbering


@task()
def record_ticket_numbers() -> None:
    """Safe to run twice: the mark only ever grows."""
    marks.record_mark(numbering.last_issued_number())


JOBS = [
    PeriodicJob(
        name="core.record_ticket_numbers",
        every=timedelta(minutes=5),
        task="podpora.core.jobs.record_ticket_numbers",
    )
]
