"""``podpora manage desk_recount``: count the tickets of every queue again."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from podpora.desk.counts import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the desk's ticket counts per team, assignee and status from the "
        "tickets (after loading tickets without the services, or to check them)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        total = rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Counted {total} tickets in {time.monotonic() - started:.1f} s."
            )
        )
