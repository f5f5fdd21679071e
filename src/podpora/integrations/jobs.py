from datetime import timedelta

from podpora.core.scheduler import PeriodicJob

JOBS = [
    PeriodicJob(
        "integrations.retry_webhooks",
        every=timedelta(seconds=30),
        task="podpora.integrations.tasks.retry_webhooks",
    )
]
