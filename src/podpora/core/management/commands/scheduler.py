import signal
import threading

from django.core.management.base import BaseCommand

from podpora.core import scheduler


class Command(BaseCommand):
    help = (
        "Run periodic jobs (mailbox polling, SLA sweep, auto-close); safe to run twice."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--once", action="store_true", help="Enqueue what is due now, then exit."
        )

    def handle(self, *args, once: bool, **options):  # type: ignore[no-untyped-def]
        if once:
            for name in scheduler.run_due_jobs():
                self.stdout.write(f"enqueued {name}")
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        scheduler.loop(stop)
