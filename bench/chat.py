"""Live chat round trips under load, against a bare WebSocket echo.

Starts one `podpora serve` process (uvicorn) on loopback with the echo
endpoint switched on, then opens N concurrent visitor sockets, each sending M
messages and timing each until the server's broadcast of that message comes
back (stored in the database, pushed through the channel layer). The same N
sockets then time M round trips against /ws/echo/ on the same server. Prints
one line: sessions, p50/p99 of both, and the p99 ratio (target ≤ 5).

    python bench/chat.py [--sessions 500] [--messages 5] [--workers 1]

Uses DATABASE_URL (a fresh SQLite file in a temporary folder when unset) and
REDIS_URL (the Redis channel layer; in memory when unset). ``--workers 2``
starts two server processes on one port, which needs REDIS_URL.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ORIGIN = "https://shop.bench.example"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _setup(sessions: int) -> tuple[str, list[str]]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from podpora.accounts.models import AgentRole, User
    from podpora.chat.models import ChatSession, ChatWidget

    widget = ChatWidget.objects.create(name="bench", allowed_origins=ORIGIN)
    visitor, _ = User.objects.get_or_create(email="visitor@bench.example")
    User.objects.get_or_create(
        email="agent@bench.example",
        defaults={"agent_role": AgentRole.AGENT, "availability": "available"},
    )
    created = ChatSession.objects.bulk_create(
        [
            ChatSession(widget=widget, visitor=visitor, visitor_name=f"Visitor {i}")
            for i in range(sessions)
        ]
    )
    tokens = [
        str(s.token) for s in ChatSession.objects.filter(pk__in=[c.pk for c in created])
    ]
    return widget.public_key, tokens


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


async def _chat_client(
    url: str,
    messages: int,
    samples: list[float],
    start: asyncio.Event,
    ready: list[int],
) -> None:
    import websockets

    async with websockets.connect(
        url, origin=ORIGIN, open_timeout=120, max_queue=None
    ) as ws:
        json.loads(await ws.recv())  # hello
        ready.append(1)
        await start.wait()
        for i in range(messages):
            body = f"message {i} {time.perf_counter_ns()}"
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": body}))
            while True:
                data = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if data.get("event") == "message" and data.get("body") == body:
                    samples.append(time.perf_counter() - sent)
                    break
                if data.get("event") == "error":
                    raise RuntimeError(data)


async def _echo_client(
    url: str,
    messages: int,
    samples: list[float],
    start: asyncio.Event,
    ready: list[int],
) -> None:
    import websockets

    async with websockets.connect(url, origin=ORIGIN, open_timeout=120) as ws:
        ready.append(1)
        await start.wait()
        for i in range(messages):
            payload = json.dumps({"n": i})
            sent = time.perf_counter()
            await ws.send(payload)
            await asyncio.wait_for(ws.recv(), 60)
            samples.append(time.perf_counter() - sent)


async def _run(clients, count: int) -> tuple[list[float], float]:
    """Open every connection first, then let everybody talk at once."""
    samples: list[float] = []
    ready: list[int] = []
    start = asyncio.Event()
    tasks = [asyncio.create_task(make(samples, start, ready)) for make in clients]
    deadline = time.monotonic() + 180
    while len(ready) < count and time.monotonic() < deadline:
        if any(t.done() and t.exception() for t in tasks):
            break
        await asyncio.sleep(0.05)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return samples, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.workers > 1 and not os.environ.get("REDIS_URL"):
        parser.error("--workers above 1 needs REDIS_URL (a shared channel layer)")

    workdir = Path(tempfile.mkdtemp(prefix="podpora-chat-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    os.environ.setdefault("PODPORA_DATA_DIR", str(workdir))
    # Every bench visitor comes from 127.0.0.1; the per-session limit still applies.
    os.environ["PODPORA_CHAT_IP_MESSAGES_PER_MINUTE"] = "1000000"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    _public_key, tokens = _setup(args.sessions)

    port = _free_port()
    env = {
        **os.environ,
        "PODPORA_CHAT_ECHO_ENDPOINT": "1",
        "PODPORA_BASE_URL": f"http://127.0.0.1:{port}",
        # A key prefix of this run's own on a Redis others may share.
        "PODPORA_REDIS_KEY_PREFIX": f"chat-bench-{os.getpid()}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "podpora.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "server.log").open("wb"),
    )
    try:
        for _ in range(100):
            try:
                with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        base = f"ws://127.0.0.1:{port}"
        chat_clients = [
            (
                lambda samples, start, ready, t=t: _chat_client(
                    f"{base}/ws/chat/visitor/{t}/", args.messages, samples, start, ready
                )
            )
            for t in tokens
        ]
        echo_clients = [
            (
                lambda samples, start, ready: _echo_client(
                    f"{base}/ws/echo/", args.messages, samples, start, ready
                )
            )
            for _ in tokens
        ]
        echo, _echo_time = asyncio.run(_run(echo_clients, len(tokens)))
        chat, chat_time = asyncio.run(_run(chat_clients, len(tokens)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    e50, e99 = _percentiles(echo)
    c50, c99 = _percentiles(chat)
    from django.db import connection

    setup = f"{connection.vendor}, {'Redis' if os.environ.get('REDIS_URL') else 'in-memory'} layer, {args.workers} process(es)"
    print(
        f"chat ({setup}): {args.sessions} concurrent sessions x {args.messages} messages: "
        f"round trip p50 {c50:.1f} ms p99 {c99:.1f} ms ({len(chat) / chat_time:.0f} msg/s); "
        f"bare echo p50 {e50:.1f} ms p99 {e99:.1f} ms; p99 ratio {c99 / e99:.1f}x (target <= 5)"
    )


if __name__ == "__main__":
    main()
