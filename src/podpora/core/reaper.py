"""Tasks left RUNNING by a worker that died, in the database task backend.

The database backend marks a task RUNNING when a worker takes it and records
the worker's id, but nothing notices a worker killed mid-task (SIGKILL, OOM,
a power cut): the task would stay RUNNING for ever and never run again. So a
``podpora worker`` writes a :class:`~podpora.core.models.WorkerBeat` every few
seconds, and the periodic ``core.reap_tasks`` job marks as failed

- a RUNNING task whose worker stopped beating (the worker is gone), and
- a RUNNING task older than ``PODPORA_TASK_CLAIM_TIMEOUT`` (longer than any
  task may run: it hangs),

and enqueues again the gone worker's tasks that are declared safe to run
twice with :func:`retry_safe`. A hanging task's worker is still alive and
may yet finish it, so that one is not started a second time beside it.
Redis's backend has its own answer (a message unacknowledged past its claim
timeout is handed out again), so this is the database backend's alone.
"""

import contextlib
import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.tasks import Task, TaskResultStatus, task_backends
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from podpora.core.models import WorkerBeat

log = logging.getLogger(__name__)

BEAT_EVERY = 5.0  # seconds between a worker's beats
# A worker unheard of for this long is gone; many beats, so a slow database
# or a busy moment does not bury a live worker.
GONE_AFTER = timedelta(seconds=60)
WORKER_ID_PREFIX = "podpora:"

_retry_safe: set[str] = set()


class WorkerGone(Exception):
    """Recorded as the error of a task whose worker died while running it."""


class TaskRanTooLong(Exception):
    """Recorded as the error of a task still RUNNING past the claim timeout."""


def retry_safe(task: Task) -> Task:  # type: ignore[type-arg]
    """Declare ``task`` safe to run again after a worker died in it (it claims
    its work, so a second run repeats nothing); put it above ``@task``."""
    _retry_safe.add(task.module_path)
    return task


def is_retry_safe(task_path: str) -> bool:
    try:
        import_string(task_path)  # the module declares what it allows
    except ImportError:
        return False
    return task_path in _retry_safe


def new_worker_id() -> str:
    """A worker id the reaper recognises: ``podpora:<host>:<pid>:<random>``
    (the database worker allows 64 characters)."""
    suffix = f":{os.getpid()}:{get_random_string(8)}"
    host = socket.gethostname()[: 64 - len(WORKER_ID_PREFIX) - len(suffix)]
    return f"{WORKER_ID_PREFIX}{host}{suffix}"


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": now or timezone.now()},
        create_defaults={
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "seen_at": now or timezone.now(),
        },
    )


class Heartbeat:
    """Beats for ``worker_id`` on a thread of its own until stopped. The beat
    survives a database outage (it tries again at the next beat)."""

    def __init__(self, worker_id: str, *, every: float = BEAT_EVERY) -> None:
        self.worker_id = worker_id
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="worker-heartbeat", daemon=True
        )

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        with contextlib.suppress(DatabaseError):  # else it expires on its own
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()

    def _run(self) -> None:
        while True:
            try:
                beat(self.worker_id)
            except DatabaseError as error:
                log.warning("worker heartbeat failed: %s", error)
            finally:
                # This thread's own connection: never kept between beats, so
                # a restarted database costs one missed beat at most.
                connection.close()
            if self._stop.wait(self.every):
                return


def live_workers(*, now: datetime | None = None) -> int:
    since = (now or timezone.now()) - GONE_AFTER
    return WorkerBeat.objects.filter(seen_at__gte=since).count()


def _uses_database_backend(alias: str) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[alias], DatabaseBackend)


def reap(*, now: datetime | None = None, alias: str = "default") -> list[str]:
    """Fail the database backend's dead RUNNING tasks and enqueue again those
    that are safe to retry; returns a line on each reaped task."""
    if not _uses_database_backend(alias):
        return []
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    run_limit = timedelta(seconds=settings.PODPORA_TASK_CLAIM_TIMEOUT)
    alive = set(
        WorkerBeat.objects.filter(seen_at__gte=now - GONE_AFTER).values_list(
            "worker_id", flat=True
        )
    )
    # Beat older than GONE_AFTER, or none at all: only workers that beat
    # (``podpora worker``) can be judged gone; a task of another worker
    # is reaped by the time limit alone.
    running = DBTaskResult.objects.filter(
        backend_name=alias,
        status=TaskResultStatus.RUNNING,
        started_at__lte=now - GONE_AFTER,
    )
    reaped = []
    for result in running:
        worker = result.worker_ids[-1] if result.worker_ids else ""
        gone = worker.startswith(WORKER_ID_PREFIX) and worker not in alive
        started = result.started_at or now  # set with RUNNING; None never passes
        if not gone and started > now - run_limit:
            continue
        error = WorkerGone if gone else TaskRanTooLong
        reason = (
            f"worker {worker} stopped while running it"
            if gone
            else f"still running after {run_limit}"
        )
        retry = gone and is_retry_safe(result.task_path)
        with transaction.atomic():
            # Compare-and-set: a second reaper, or the worker finishing just
            # now, leaves this one nothing to do.
            if not DBTaskResult.objects.filter(
                pk=result.pk,
                status=TaskResultStatus.RUNNING,
                started_at=result.started_at,
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{__name__}.{error.__name__}",
                traceback=f"{error.__name__}: {reason}\n",
            ):
                continue
            if retry:
                task: Task = import_string(result.task_path)  # type: ignore[type-arg]
                task.using(
                    priority=result.priority,
                    queue_name=result.queue_name,
                    backend=alias,
                ).enqueue(
                    *result.args_kwargs.get("args", []),
                    **result.args_kwargs.get("kwargs", {}),
                )
        line = f"task {result.pk} ({result.task_path}) marked failed: {reason}; " + (
            "enqueued again" if retry else "not retried"
        )
        log.warning("%s", line)
        reaped.append(line)
    return reaped
