import signal
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, connections

from podpora.core.middleware import is_unavailable

# Pauses between attempts while the database cannot be reached: 1, 2, 4 … 30 s.
MAX_PAUSE = 30


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
        failures = 0
        while True:
            began = time.monotonic()
            try:
                self.check()
                self.work(batch=batch, queue=queue, verbosity=options["verbosity"])
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

    def work(self, *, batch: bool, queue: str, verbosity: int) -> None:
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
                *(["--batch"] if batch else []),
                verbosity=verbosity,
            )
        elif backend == settings.REDIS_TASK_BACKEND:
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
