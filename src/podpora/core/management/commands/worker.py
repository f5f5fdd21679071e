import contextlib
import signal
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.tasks.signals import task_finished, task_started

from podpora.core import reaper
from podpora.core.middleware import is_unavailable

# Pauses between attempts while the database cannot be reached: 1, 2, 4 … 30 s.
MAX_PAUSE = 30
# A pool may hold this many connections broken by a database restart; each is
# dropped in turn before a task starts.
MAX_STALE_CONNECTIONS = 20


def _usable_connections(**kwargs: object) -> None:
    """Before a task: drop connections that are old or broken (a restarted
    database), as Django does for each request and the database worker for
    each task, so the task gets a working one. Never raises: a database that
    is down fails the task itself, which says so."""
    with contextlib.suppress(DatabaseError):
        close_old_connections()
        for conn in connections.all(initialized_only=True):
            for _ in range(MAX_STALE_CONNECTIONS):
                conn.ensure_connection()
                if conn.is_usable():
                    break
                conn.close()


def _close_old_connections(**kwargs: object) -> None:
    with contextlib.suppress(DatabaseError):
        close_old_connections()


class Command(BaseCommand):
    help = "Run background tasks (outgoing mail, rule actions, imports)."
    # Some checks query the database: they run in handle(), where an outage
    # is waited out, not before it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued, then exit."
        )
        parser.add_argument(
            "--queue", default="*", help="Queue to work on (default: all)."
        )

    def handle(self, *args, batch: bool, queue: str, **options):  # type: ignore[no-untyped-def]
        # The heartbeat tells the reaper this worker still runs its tasks.
        worker_id = reaper.new_worker_id()
        heartbeat = reaper.Heartbeat(worker_id).start()
        try:
            self.serve(
                batch=batch,
                queue=queue,
                worker_id=worker_id,
                verbosity=options["verbosity"],
            )
        finally:
            heartbeat.stop()

    def serve(self, *, batch: bool, queue: str, worker_id: str, verbosity: int) -> None:
        failures = 0
        while True:
            began = time.monotonic()
            try:
                self.check()
                self.work(
                    batch=batch, queue=queue, worker_id=worker_id, verbosity=verbosity
                )
            except (OperationalError, InterfaceError) as exc:
                if batch or not is_unavailable(exc):
                    raise
                # The database went away: drop the broken connection and try
                # again (a new connection) instead of ending the worker.
                # A run that lasted a while starts the pauses over.
                failures = 1 if time.monotonic() - began > 60 else failures + 1
                pause = min(MAX_PAUSE, 2 ** (failures - 1))
                connections.close_all()
                self.stderr.write(
                    f"The database cannot be reached ({exc}); "
                    f"trying again in {pause} s."
                )
                # The task worker's own stop handlers belong to a run that
                # has ended: a stop signal ends the process while it waits.
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                time.sleep(pause)
                continue
            return

    def work(self, *, batch: bool, queue: str, worker_id: str, verbosity: int) -> None:
        # The worker follows the configured backend, so one service definition
        # ("podpora worker") works for the embedded default and for Redis.
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == settings.DB_TASK_BACKEND:
            call_command(
                "db_worker",
                "--queue-name",
                queue,
                "--interval",
                "0.5",
                "--no-reload",
                "--worker-id",
                worker_id,
                *(["--batch"] if batch else []),
                verbosity=verbosity,
            )
        elif backend == settings.REDIS_TASK_BACKEND:
            # Redis's worker keeps one connection for ever: one broken by a
            # database restart would fail every later task.
            task_started.connect(_usable_connections, dispatch_uid="podpora-worker")
            task_finished.connect(_close_old_connections, dispatch_uid="podpora-worker")
            call_command(
                "run_redis_tasks",
                *([] if queue == "*" else ["--queue", queue]),
                *([] if batch else ["--continuous"]),
                "--interval",
                "0.5",
                verbosity=verbosity,
            )
        else:
            raise CommandError(
                f"No worker is known for the {backend} task backend; start that "
                "backend's own worker instead (see docs/deployment.md)."
            )
