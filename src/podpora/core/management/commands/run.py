"""The embedded default: one command starts web, worker and scheduler."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

# A child that ends is started again after 1, 2, 4 … at most 60 seconds; one
# that ran this long before it ended starts again after 1 second.
MAX_DELAY = 60
HEALTHY_AFTER = 60.0


class Command(BaseCommand):
    help = "Run everything (migrate, web, task worker, scheduler) as one process group."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--host", default=os.environ.get("PODPORA_HOST", "127.0.0.1")
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PODPORA_PORT", "8000"))
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Load demo data if the database is empty.",
        )

    def handle(self, *args, host: str, port: int, demo: bool, **options):  # type: ignore[no-untyped-def]
        call_command("migrate", interactive=False, verbosity=0)
        if demo:
            call_command("demo", if_empty=True)
        command = [sys.executable, "-m", "podpora.cli"]
        db = settings.DATABASES["default"]
        where = (
            db["NAME"]
            if connection.vendor == "sqlite"
            else f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST')}/{db['NAME']}"
        )
        connection.close()  # the children open their own
        self.stdout.write(
            self.style.SUCCESS(f"Podpora is running on http://{host}:{port}/")
            + f"\n  database: {where}\n  stop with Ctrl-C\n"
        )
        self.stdout.flush()
        supervise(
            {
                "web": [*command, "serve", "--host", host, "--port", str(port)],
                "worker": [*command, "worker"],
                "scheduler": [*command, "scheduler"],
            },
            log=self.stderr.write,
        )
        self.stdout.write("Podpora stopped.")


def restart_delay(quick_exits: int) -> float:
    """Seconds before a child is started again after its ``quick_exits``-th
    exit in a row: 1, 2, 4 … 60."""
    return float(min(MAX_DELAY, 2 ** max(0, quick_exits - 1)))


def _why(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


def supervise(
    commands: dict[str, list[str]],
    *,
    log: Callable[[str], object] = print,
    poll: float = 0.3,
) -> None:
    """Runs each command as a child and starts it again when it ends, after a
    growing pause (a child that keeps failing is not restarted in a tight
    loop); a child that stayed up for a minute counts as healthy again.
    SIGINT or SIGTERM stops every child and returns."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    children: dict[str, subprocess.Popen[bytes]] = {}
    started: dict[str, float] = {}
    quick_exits = dict.fromkeys(commands, 0)
    due = dict.fromkeys(commands, 0.0)  # when a stopped child starts again
    try:
        while not stopping:
            now = time.monotonic()
            for name, argv in commands.items():
                child = children.get(name)
                if child is not None and child.poll() is not None:
                    del children[name]
                    if stopping:
                        break
                    if now - started[name] >= HEALTHY_AFTER:
                        quick_exits[name] = 0
                    quick_exits[name] += 1
                    delay = restart_delay(quick_exits[name])
                    due[name] = now + delay
                    log(
                        f"{name} {_why(child.returncode)}; "
                        f"starting it again in {delay:g} s."
                    )
                elif child is None and now >= due[name] and not stopping:
                    children[name] = subprocess.Popen(argv)  # noqa: S603 -- our own commands
                    started[name] = now
            time.sleep(poll)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
