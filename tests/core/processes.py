"""Helpers to start Podpora processes against the test database."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database the tests run on (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    env.pop("PODPORA_TASK_BACKEND", None)
    env["DATABASE_URL"] = database_url()
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env.update(extra)
    return env


def podpora(*args: str, **popen: object) -> subprocess.Popen[str]:
    """``podpora <args>`` in a subprocess, from the checkout (so ``tests`` imports)."""
    popen.setdefault("env", environment())
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "podpora.cli", *args],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **popen,
    )


def answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Output:
    """Collects a process's output lines as they come (read in a thread)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._reader = threading.Thread(
            target=lambda: self.lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        self._reader.start()

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def wait_for(self, text: str, times: int = 1, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while self.count(text) < times:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} not seen {times}x in:\n{''.join(self.lines)}"
                )
            time.sleep(0.1)

    def text(self) -> str:
        return "".join(self.lines)
