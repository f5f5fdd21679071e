from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class PendingTask(models.Model):
    """A task whose enqueue failed after its transaction committed (the task
    backend, Redis, was unreachable). ``core.outbox.drain`` enqueues it once
    the backend answers again and deletes the row in the same transaction."""

    task_path = models.CharField(max_length=255)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    queue_name = models.CharField(max_length=100)
    priority = models.IntegerField(default=0)
    backend = models.CharField(max_length=100)
    run_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("kept task")
        verbose_name_plural = _("kept tasks")

    def __str__(self) -> str:
        return self.task_path


class WorkerBeat(models.Model):
    """A running ``podpora worker`` says it is alive every few seconds; a task
    left RUNNING by a worker that stopped beating is reaped
    (``core.reaper``)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return self.worker_id
