"""Helpers to start Podpora processes against the test database."""

import os
import socket
import subprocess
import sys
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
