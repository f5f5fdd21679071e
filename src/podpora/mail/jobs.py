from datetime import timedelta

from podpora.core.scheduler import PeriodicJob

JOBS = [
    # Each mailbox has its own interval and lease; this only looks for due ones.
    PeriodicJob(
        "mail.poll",
        every=timedelta(seconds=15),
        task="podpora.mail.tasks.poll_mailboxes",
    ),
    PeriodicJob(
        "mail.retry_outbound",
        every=timedelta(minutes=1),
        task="podpora.mail.tasks.retry_outbound",
    ),
]
