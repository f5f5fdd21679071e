"""The embedded default: one command starts web, worker and scheduler."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection


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
        children = {
            "web": subprocess.Popen(  # noqa: S603 -- our own interpreter and module
                [*command, "serve", "--host", host, "--port", str(port)]
            ),
            "worker": subprocess.Popen(  # noqa: S603 -- our own interpreter and module
                [*command, "worker"]
            ),
            "scheduler": subprocess.Popen(  # noqa: S603 -- our own interpreter and module
                [*command, "scheduler"]
            ),
        }
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        db = settings.DATABASES["default"]
        where = (
            db["NAME"]
            if connection.vendor == "sqlite"
            else f"{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST')}/{db['NAME']}"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Podpora is running on http://{host}:{port}/")
            + f"\n  database: {where}\n  stop with Ctrl-C\n"
        )
        exit_code = 0
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(
                            f"{name} stopped (exit {child.returncode}); stopping the rest."
                        )
                        exit_code = child.returncode or 1
                        stopping = True
                        break
                time.sleep(0.3)
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
        self.stdout.write("Podpora stopped.")
        if exit_code:
            sys.exit(exit_code)
