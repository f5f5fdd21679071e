"""Periodic jobs, safe to run in several scheduler processes at once.

Each app may declare ``JOBS`` in a ``jobs.py`` module: a list of
:class:`PeriodicJob`. A scheduler loop claims a due run by a compare-and-set
UPDATE on the job's lease row (``next_run_at = new WHERE next_run_at = old``):
only one process's UPDATE matches, on PostgreSQL and SQLite alike, so a run is
started once however many schedulers are running. The run itself is enqueued
as a task, in the same transaction as the claim; tasks must be idempotent.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string

from podpora.core.models import JobLease

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: str  # dotted path of a django.tasks Task taking no arguments


_registry: dict[str, PeriodicJob] = {}
_discovered = False


def register(*jobs: PeriodicJob) -> None:
    for job in jobs:
        _registry[job.name] = job


def all_jobs() -> dict[str, PeriodicJob]:
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs", register_to=None)
        from django.apps import apps

        for config in apps.get_app_configs():
            module = getattr(config.module, "jobs", None)
            for job in getattr(module, "JOBS", ()):
                register(job)
        _discovered = True
    return dict(_registry)


def claim(job: PeriodicJob, *, now: datetime, worker: str) -> bool:
    """Try to take the run of ``job`` that is due at ``now``."""
    lease, _ = JobLease.objects.get_or_create(
        name=job.name, defaults={"next_run_at": now}
    )
    if lease.next_run_at > now:
        return False
    claimed = JobLease.objects.filter(
        name=job.name, next_run_at=lease.next_run_at
    ).update(next_run_at=now + job.every, last_run_at=now, last_claimed_by=worker[:100])
    return claimed == 1


def run_due_jobs(
    *, now: datetime | None = None, worker: str | None = None
) -> list[str]:
    """Enqueue every job that is due and that this process won; returns their names."""
    now = now or timezone.now()
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    started = []
    for job in all_jobs().values():
        try:
            # The claim and the enqueue commit together: a run whose enqueue
            # fails is not claimed, and the next tick tries again.
            with transaction.atomic():
                if not claim(job, now=now, worker=worker):
                    continue
                task: Task = import_string(job.task)  # type: ignore[type-arg]
                task.enqueue()
        except Exception:  # one broken job must not hold up the others
            log.exception("could not schedule %s", job.name)
            continue
        started.append(job.name)
        log.info("scheduled %s", job.name)
    return started


def loop(stop: threading.Event, *, tick: float = 1.0) -> None:
    log.info("scheduler started with jobs: %s", ", ".join(sorted(all_jobs())) or "none")
    while not stop.is_set():
        try:
            run_due_jobs()
        except Exception:  # a bad tick must not stop the scheduler
            log.exception("scheduler tick failed")
        stop.wait(tick)
