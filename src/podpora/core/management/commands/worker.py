from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run background tasks (outgoing mail, rule actions, imports)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued, then exit."
        )
        parser.add_argument(
            "--queue", default="*", help="Queue to work on (default: all)."
        )

    def handle(self, *args, batch: bool, queue: str, **options):  # type: ignore[no-untyped-def]
        # The worker follows the configured backend, so one service definition
        # ("podpora worker") works for the embedded default and for Redis.
        backend = settings.TASKS["default"]["BACKEND"]
        verbosity = options["verbosity"]
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
