import time

from django.core.management.base import BaseCommand

from podpora.reports.facts import rebuild


class Command(BaseCommand):
    help = "Recompute report facts and daily aggregates from tickets and their history."

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        verbosity = int(options.get("verbosity", 1))  # type: ignore[call-overload]

        def progress(done: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {done} tickets")

        total = rebuild(progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt report figures for {total} tickets "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
