from datetime import timedelta

from podpora.core.scheduler import PeriodicJob

# Hourly: a schedule sends once per period (see services.send_schedule), so
# the hour only bounds how late after midnight a report goes out.
JOBS = [
    PeriodicJob(
        name="reports.send_due_reports",
        every=timedelta(hours=1),
        task="podpora.reports.tasks.send_due_reports",
    )
]
