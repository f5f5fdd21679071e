"""Throwaway Redis and PostgreSQL servers for tests that stop and start them
(never the shared ones on 6379 and 5432)."""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.core.processes import answers, free_port

PG_BIN = next(
    (
        str(p)
        for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        if (p / "initdb").exists()
    ),
    "",
)


def _wait_until(check, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the server did not come up")
        time.sleep(0.05)


class OwnRedis:
    """``redis-server`` on a free port, without persistence."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "OwnRedis":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(lambda: answers("127.0.0.1", self.port))
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        _wait_until(lambda: not answers("127.0.0.1", self.port))

    def restart(self) -> None:
        self.kill()
        self.start()


class OwnPostgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port,
    trusting local connections; run as the ``postgres`` user when the tests
    run as root (PostgreSQL refuses root)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="podpora-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/podpora"
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *argv: str) -> None:
        subprocess.run(
            [*self._as, *argv], check=True, capture_output=True, cwd=self.folder
        )

    def create(self) -> "OwnPostgres":
        self._run(
            f"{PG_BIN}/initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust"
        )
        self.start()
        self._run(
            f"{PG_BIN}/createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "podpora",
        )
        return self

    def start(self) -> None:
        self._run(
            f"{PG_BIN}/pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "log"),
            "-w",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self._run(f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
