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
            "--queue", default="*", help="Queues to work on (default: all)."
        )

    def handle(self, *args, batch: bool, queue: str, **options):  # type: ignore[no-untyped-def]
        backend = settings.TASKS["default"]["BACKEND"]
        if backend != "django_tasks_db.DatabaseBackend":
            raise CommandError(
                f"The {backend} backend has its own worker; start that instead "
                "(see docs/deployment.md)."
            )
        extra = ["--batch"] if batch else []
        call_command(
            "db_worker",
            "--queue-name",
            queue,
            "--interval",
            "0.5",
            "--no-reload",
            *extra,
            verbosity=options["verbosity"],
        )
