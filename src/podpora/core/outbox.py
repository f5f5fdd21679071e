"""Tasks enqueued after a commit, kept in the database when the backend is down.

Every write that starts background work calls :func:`enqueue_after_commit`
instead of ``task.enqueue``: the task is enqueued once the transaction commits
(never for one that rolls back). If the task backend cannot take it then
(Redis is down in the scale-out setup), the task is written to a
:class:`~podpora.core.models.PendingTask` row instead, the write keeps its
success, and the periodic ``core.drain_outbox`` job enqueues the row once the
backend answers again, deleting it in the same transaction (see
docs/adr/0007-task-outbox.md).

A row exists only for an enqueue that raised, so a task whose first enqueue
succeeded is never enqueued again. The one window left is an enqueue that
reached Redis but whose answer was lost: the task then runs twice, which every
task allows (each is safe to run twice).
"""

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.tasks import Task
from django.tasks.exceptions import InvalidTask
from django.utils.module_loading import import_string

from podpora.core.models import PendingTask

log = logging.getLogger(__name__)

# A drain run enqueues at most this many rows; the next run takes the rest.
DRAIN_BATCH = 500


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> None:  # type: ignore[type-arg]
    """Enqueue ``task(*args, **kwargs)`` when the current transaction commits
    (at once outside one); the arguments must be JSON values, as for any task."""
    transaction.on_commit(partial(enqueue_or_keep, task, *args, **kwargs), robust=True)


def enqueue_or_keep(task: Task, *args: Any, **kwargs: Any) -> None:  # type: ignore[type-arg]
    """Enqueue now; if the backend fails, keep the task for the drain."""
    try:
        task.enqueue(*args, **kwargs)
    except InvalidTask:
        raise  # a mistake in the code, not an outage: retrying cannot help
    except Exception as error:
        PendingTask.objects.create(
            task_path=task.module_path,
            args=list(args),
            kwargs=kwargs,
            queue_name=task.queue_name,
            priority=task.priority,
            backend=task.backend,
            run_after=task.run_after,
            last_error=_describe(error),
        )
        log.warning(
            "task backend unavailable (%s); %s kept for later",
            _describe(error),
            task.module_path,
        )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _task_of(row: PendingTask) -> Task:  # type: ignore[type-arg]
    task: Task = import_string(row.task_path)  # type: ignore[type-arg]
    return task.using(
        priority=row.priority,
        queue_name=row.queue_name,
        backend=row.backend,
        run_after=row.run_after,
    )


def drain(*, limit: int = DRAIN_BATCH) -> int:
    """Enqueue the kept tasks, oldest first; returns how many were enqueued.

    Each row is deleted and its task enqueued in one transaction: of two
    drains the second finds the row gone (its DELETE waits for the first's
    commit), and an enqueue that fails rolls the delete back. The first
    failure ends the run: the backend is still down.
    """
    enqueued = 0
    for pk in PendingTask.objects.values_list("pk", flat=True)[:limit]:
        try:
            with transaction.atomic():
                row = PendingTask.objects.filter(pk=pk).first()
                if row is None or not PendingTask.objects.filter(pk=pk).delete()[0]:
                    continue  # another drain took it
                _task_of(row).enqueue(*row.args, **row.kwargs)
        except Exception as error:
            PendingTask.objects.filter(pk=pk).update(
                attempts=F("attempts") + 1, last_error=_describe(error)
            )
            log.warning("kept tasks still wait: %s", _describe(error))
            break
        enqueued += 1
    if enqueued:
        log.info("enqueued %d kept task(s)", enqueued)
    return enqueued


def pending_count() -> int:
    return PendingTask.objects.count()
