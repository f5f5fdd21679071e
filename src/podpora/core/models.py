from django.db import models
from django.utils import timezone


class JobLease(models.Model):
    """When a periodic job may next run. Schedulers claim a run by moving
    ``next_run_at`` forward with a compare-and-set UPDATE, so two schedulers
    never start the same run (see ``core.scheduler``)."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_claimed_by = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name
