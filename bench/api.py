"""Ticket creation and ticket listing over HTTP, against a real ``podpora
serve`` process, and that process's memory when idle.

Baseline: the same server's smallest JSON endpoint (``GET /api/v1/ping``), in
the same run, so the figures read as a share of what the stack itself can do.
``--src`` serves another checkout's code (``--src /path/to/old/src``) for a
before/after pair in one session; ``--runs`` repeats the whole measurement
(a fresh database and server each time) and prints min/median/max.

    .venv/bin/python bench/api.py [--requests 1000] [--concurrency 8] [--runs 3]

Uses ``DATABASE_URL`` (a fresh SQLite database in a temporary folder when
unset); for PostgreSQL use a database of your own:
``createdb -h 127.0.0.1 -U postgres podpora_bench_api``.
"""

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
# What an installation ships with: the routing rule, calendar and SLA policy.
from podpora.automation.data import install_defaults
install_defaults()
from podpora.accounts.models import AgentRole, Membership, Organization, User
from podpora.api.services import create_token
agent, _ = User.objects.get_or_create(
    email="bench-agent@podpora.test",
    defaults={"full_name": "Bench Agent", "agent_role": AgentRole.SUPERVISOR},
)
org, _ = Organization.objects.get_or_create(name="Bench Sp. z o.o.")
customer, _ = User.objects.get_or_create(
    email="bench-customer@bench.pl", defaults={"full_name": "Jan Testowy"}
)
Membership.objects.get_or_create(user=customer, organization=org)
print(create_token(agent, name="bench", scope="write")[1])
print(customer.pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _phase(
    client: httpx.AsyncClient,
    make_request,
    count: int,
    concurrency: int,
) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms for ``count`` requests, ``concurrency`` at a time."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            started = time.perf_counter()
            response = await make_request(client, i)
            latencies.append(time.perf_counter() - started)
            if response.status_code >= 300:
                raise SystemExit(
                    f"{response.request.method} {response.request.url}: "
                    f"{response.status_code} {response.text[:200]}"
                )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return (
        count / elapsed,
        statistics.median(latencies) * 1000,
        _percentile(latencies, 0.99) * 1000,
    )


async def _run(
    base: str, token: str, requester: int, args
) -> dict[str, tuple[float, float, float]]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=60
    ) as client:

        async def ping(c, i):
            return await c.get("/api/v1/ping")

        async def create(c, i):
            return await c.post(
                "/api/v1/tickets",
                json={
                    "subject": f"Drukarka na piętrze {i % 7} nie drukuje",
                    "body_text": "Od rana drukarka pokazuje błąd papieru. "
                    "Prosimy o pilną pomoc, faktury czekają.",
                    "requester_id": requester,
                    "priority": 1 + i % 4,
                },
            )

        async def listing(c, i):
            return await c.get("/api/v1/tickets", params={"limit": 25})

        await _phase(client, ping, 100, args.concurrency)  # warm-up
        # Interleaved rounds: a load spike on a shared machine then hits every
        # phase alike instead of skewing the ratio.
        phases = {"ping": ping, "create": create, "list": listing}
        samples: dict[str, list[tuple[float, float, float]]] = {p: [] for p in phases}
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for name, make in phases.items():
                samples[name].append(
                    await _phase(client, make, per_round, args.concurrency)
                )
        results = {}
        for name, runs in samples.items():
            total_time = sum(per_round / rate for rate, _, _ in runs)
            results[name] = (
                per_round * len(runs) / total_time,
                statistics.median(p50 for _, p50, _ in runs),
                max(p99 for _, _, p99 in runs),
            )
    return results


def _rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _spread(values: list[float], unit: str, digits: int = 0) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:,.{digits}f} / {mid:,.{digits}f} / {high:,.{digits}f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--src", type=Path, default=ROOT / "src", help="the code to serve"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="web processes (PostgreSQL)"
    )
    args = parser.parse_args()
    runs = [_one_run(args) for _ in range(args.runs)]
    print(f"# {args.src}, {args.runs} run(s): min / median / max")
    for name in ("ping", "create", "list"):
        rates = [run[0][name][0] for run in runs]
        p99s = [run[0][name][2] for run in runs]
        share = ""
        if name != "ping":
            shares = [run[0][name][0] / run[0]["ping"][0] * 100 for run in runs]
            share = f", {_spread(shares, '% of ping')}"
        print(
            f"api {name}: {_spread(rates, 'req/s')}, p99 {_spread(p99s, 'ms')}{share}"
        )
    print(f"server idle RSS: {_spread([run[1] for run in runs], 'MiB', 1)}")


def _one_run(args) -> tuple[dict[str, tuple[float, float, float]], float]:
    data_dir = Path(tempfile.mkdtemp(prefix="podpora-bench-api-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(args.src.resolve()),
        "DJANGO_SETTINGS_MODULE": "podpora.settings",
        "PODPORA_DATA_DIR": str(data_dir),
        "PODPORA_API_RATE_LIMIT": "0",
        "PODPORA_LOG_LEVEL": "WARNING",
    }
    env.setdefault("PODPORA_SECRET_KEY", "bench-only-secret-key-not-for-production")
    database = env.get("DATABASE_URL", f"sqlite:///{data_dir / 'bench.sqlite3'}")
    if database.startswith("postgres"):
        # A fresh database of each run, next to the one named, dropped after.
        database = _fresh_postgres_database(database)
    env["DATABASE_URL"] = database
    try:
        return _serve_and_measure(args, env, database)
    finally:
        if database.startswith("postgres"):
            _drop_postgres_database(database)
        shutil.rmtree(data_dir, ignore_errors=True)


def _admin_url(url: str) -> tuple[str, str]:
    base, name = url.rsplit("/", 1)
    return f"{base}/postgres", name


def _fresh_postgres_database(url: str) -> str:
    import psycopg

    admin, name = _admin_url(url)
    fresh = f"{name}_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{fresh}"')
    return url.rsplit("/", 1)[0] + "/" + fresh


def _drop_postgres_database(url: str) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _serve_and_measure(
    args, env: dict[str, str], database: str
) -> tuple[dict[str, tuple[float, float, float]], float]:
    setup = subprocess.run(
        [sys.executable, "-c", SETUP],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    token, requester = setup.stdout.split()[-2:]
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "podpora.cli", "serve"),
            *("--port", str(port), "--workers", str(args.workers)),
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        # Idle: started, one page served, nothing else.
        time.sleep(2)
        idle = _rss_mib(server.pid)
        engine = "postgresql" if database.startswith("postgres") else "sqlite"
        print(
            f"# {engine}, {args.requests} requests per phase, "
            f"concurrency {args.concurrency}, idle RSS {idle:.1f} MiB",
            file=sys.stderr,
        )
        results = asyncio.run(_run(base, token, int(requester), args))
        for name, (rate, p50, p99) in results.items():
            print(
                f"  api {name}: {rate:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms",
                file=sys.stderr,
            )
        return results, idle
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
