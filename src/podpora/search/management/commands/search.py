"""``podpora search reindex``: rebuild the search index from the tickets."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from podpora.search.index import build_documents, remove_all, save_documents
from podpora.tickets.models import Ticket


def _bar(done: int, total: int, started: float, width: int = 30) -> str:
    fraction = done / total if total else 1.0
    filled = int(width * fraction)
    elapsed = time.monotonic() - started
    rate = done / elapsed if elapsed else 0.0
    return (
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        f"{fraction:6.1%} {rate:,.0f} tickets/s"
    )


class Command(BaseCommand):
    help = "Search index maintenance: `reindex` rebuilds it from every ticket."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser("reindex", help="Rebuild the whole index.")
        reindex.add_argument("--batch-size", type=int, default=500)
        reindex.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reindex":
            self.reindex(options["batch_size"], not options["no_progress"])

    def reindex(self, batch_size: int, progress: bool) -> None:
        total = Ticket.objects.count()
        started = time.monotonic()
        remove_all()
        done = 0
        last_id = 0
        while True:
            batch = list(
                Ticket.objects.filter(pk__gt=last_id)
                .select_related("requester", "organization")
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            save_documents(build_documents(batch))
            done += len(batch)
            last_id = batch[-1].pk
            if progress:
                sys.stderr.write(_bar(done, total, started))
                sys.stderr.flush()
        if progress:
            sys.stderr.write("\n")
        # Fresh statistics, so the planner knows how selective words are.
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            elif connection.vendor == "postgresql":
                cursor.execute("ANALYZE search_searchdocument")
                cursor.execute("ANALYZE tickets_ticket")
        self.stdout.write(
            f"Indexed {done} tickets in {time.monotonic() - started:.1f} s."
        )
