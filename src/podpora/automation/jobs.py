from datetime import timedelta

from podpora.core.scheduler import PeriodicJob

JOBS = [
    PeriodicJob(
        "automation.sla_sweep",
        every=timedelta(minutes=1),
        task="podpora.automation.tasks.sla_sweep",
    ),
    PeriodicJob(
        "automation.time_rules",
        every=timedelta(minutes=1),
        task="podpora.automation.tasks.time_rules",
    ),
    PeriodicJob(
        "automation.auto_close",
        every=timedelta(hours=1),
        task="podpora.automation.tasks.auto_close",
    ),
]
