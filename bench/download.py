"""An attachment download over HTTP, against a real uvicorn process: the
server's peak memory while it sends the file, and the time to the first byte.

Baseline: a 64 KiB attachment from the same server, in the same run, for the
time to the first byte; the file's own size for the memory.

    .venv/bin/python bench/download.py [--megabytes 100]

Uses ``DATABASE_URL`` (a fresh SQLite database in a temporary folder when
unset); for PostgreSQL use a database of your own.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import os
import sys

import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from podpora.accounts.models import AgentRole, User
from podpora.api.services import create_token
from podpora.tickets import services
agent, _ = User.objects.get_or_create(
    email="bench-agent@podpora.test",
    defaults={"full_name": "Bench Agent", "agent_role": AgentRole.SUPERVISOR},
)
customer, _ = User.objects.get_or_create(
    email="bench-customer@bench.pl", defaults={"full_name": "Jan Testowy"}
)
print(create_token(agent, name="bench", scope="write")[1])
for size in (64 * 1024, int(sys.argv[1])):
    ticket = services.open_ticket(
        subject="Zrzut pamięci",
        body_text="W załączniku.",
        requester=customer,
        channel="portal",
        files=[services.IncomingFile("zrzut.bin", os.urandom(size))],
    )
    print(ticket.attachments.get().pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} for process {pid}")


def _cpu_seconds(pid: int) -> float:
    """User and system time of every thread of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _download(client: httpx.Client, attachment: str) -> tuple[float, int]:
    """Seconds to the first byte of the body, and the bytes received."""
    started = time.perf_counter()
    first_byte = 0.0
    received = 0
    with client.stream("GET", f"/api/v1/attachments/{attachment}/content") as answer:
        answer.raise_for_status()
        for part in answer.iter_raw():
            if not received:
                first_byte = time.perf_counter() - started
            received += len(part)
    return first_byte, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    size = args.megabytes * 1024 * 1024

    data_dir = Path(tempfile.mkdtemp(prefix="podpora-bench-download-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "podpora.settings",
        "PODPORA_DATA_DIR": str(data_dir),
        "PODPORA_MAX_ATTACHMENT_BYTES": str(size),
        "PODPORA_API_RATE_LIMIT": "0",
        "PODPORA_LOG_LEVEL": "WARNING",
    }
    env.setdefault("PODPORA_SECRET_KEY", "bench-only-secret-key-not-for-production")
    env.setdefault("DATABASE_URL", f"sqlite:///{data_dir / 'bench.sqlite3'}")
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    token, small, big = setup.stdout.split()[-3:]
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "podpora.asgi:application"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
    )
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120
        ) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/api/v1/ping", timeout=2)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            small_first_byte = min(_download(client, small)[0] for _ in range(5))
            # Peak memory from here on (clear_refs 5 resets VmHWM to VmRSS).
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")
            before = _memory_kib(server.pid, "VmRSS")
            cpu = _cpu_seconds(server.pid)
            started = time.perf_counter()
            first_byte, received = _download(client, big)
            elapsed = time.perf_counter() - started
            cpu = _cpu_seconds(server.pid) - cpu
            peak = _memory_kib(server.pid, "VmHWM") - before
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir)
    if received != size:
        raise SystemExit(f"received {received} bytes of {size}")
    print(
        f"download {args.megabytes} MB: server peak +{peak / 1024:.1f} MB"
        f" ({peak * 1024 / size:.1%} of the file),"
        f" first byte after {first_byte * 1000:.0f} ms"
        f" ({first_byte / small_first_byte:.1f}x a 64 KiB file's),"
        f" {size / 1024 / 1024 / elapsed:.0f} MB/s,"
        f" server CPU {cpu * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
