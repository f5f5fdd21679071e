"""A small IT firm's day, compressed: agents, portal users and mail at once.

    python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/podpora_load \
        [--tickets 250000] [--duration 600] [--agents 25] [--portal-users 100] \
        [--mails-per-second 1] [--mail-via intake|deliver]

Bounded and on loopback only. Fills the database up to ``--tickets`` tickets
(``podpora.core.sample_data``, the search index rebuilt after), starts
``podpora run`` (web, task worker and scheduler; the embedded default) on a
free loopback port, and for ``--duration`` seconds runs:

* ``--agents`` agents, each with a live-updates WebSocket open to
  ``/ws/desk/`` (a ticket page tells it which ticket it shows, as the page
  does) and one request every 5 s: a queue page (35 %), a ticket page (35 %),
  a search (15 %) or a ticket page and a reply on it (15 %);
* ``--portal-users`` customers, one request every 30 s: their ticket list or
  one of their tickets;
* mail: one a second, through ``mail.intake.receive`` in a process of its own
  (the path of IMAP polling), or with ``--mail-via deliver`` through
  ``podpora mail deliver`` started once per mail, as an MTA's pipe does.

Then prints the p95 of each kind of request against the targets of issue 16
(queue ≤ 300 ms, ticket ≤ 400 ms, search ≤ 800 ms, reply ≤ 300 ms), the
errors (HTTP ≥ 400, failed requests, WebSockets closed by the server) and the
lost mails (sent, but not stored as processed inbound mail).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MAILBOX = "bench-load"
QUERIES = [
    "drukarka",
    "tiskarna",
    "vpn",
    "outlook haslo",
    "faktura",
    "kopia zapasowa",
    "monitor miga",
    "wolny internet",
    "laptopa",
    "konto pracownika",
]
# Idle connections are dropped before the server's keep-alive (uvicorn: 5 s)
# ends them, as browsers do, or a request every 5 s races the server's close.
KEEPALIVE = httpx.Limits(keepalive_expiry=2)
TARGETS = {"queue": 300, "ticket": 400, "search": 800, "reply": 300}


# --- Podpora's side, in subprocesses ---------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    import django

    django.setup()


def helper_fill(target: int) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from podpora.core.sample_data import ensure_world, generate_tickets
    from podpora.search.models import SearchDocument
    from podpora.tickets.models import Ticket

    ensure_world()
    have = Ticket.objects.count()
    if have < target:
        generate_tickets(
            target - have,
            seed=have + 1,
            progress=lambda done: print(
                f"#   {have + done:,} tickets", file=sys.stderr, flush=True
            ),
        )
    if SearchDocument.objects.count() < Ticket.objects.count():
        call_command("search", "reindex", "--batch-size", "2000")
    return {"tickets": Ticket.objects.count()}


def helper_prepare(agents: int, portal_users: int) -> dict:
    """Sessions, the tickets each may open, and the mailbox for the mails."""
    from django.conf import settings
    from django.test import Client

    from podpora.accounts.models import Team, User
    from podpora.mail.models import Mailbox
    from podpora.tickets.models import OPEN_STATUSES, Ticket
    from podpora.tickets.selectors import visible_to

    def session(user: User) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    staff = list(
        User.objects.exclude(agent_role="").filter(is_active=True).order_by("pk")
    )
    numbers_of: dict[int, list[int]] = {}
    for user in staff:
        numbers_of[user.pk] = list(
            visible_to(user)
            .filter(status__in=OPEN_STATUSES)
            .order_by("-updated_at")
            .values_list("number", flat=True)[:300]
        )
    staff = [u for u in staff if numbers_of[u.pk]]
    agent_rows = []
    for i in range(agents):
        user = staff[i % len(staff)]
        agent_rows.append(
            {
                "email": user.email,
                "session": session(user),
                "tickets": numbers_of[user.pk],
                "teams": list(user.teams.values_list("pk", flat=True)),
            }
        )
    customers = list(
        Ticket.objects.filter(requester__agent_role="", requester__is_active=True)
        .order_by("-created_at")
        .values_list("requester_id", flat=True)[:5000]
    )
    seen: list[int] = []
    for pk in customers:
        if pk not in seen:
            seen.append(pk)
        if len(seen) == portal_users:
            break
    portal_rows = []
    for user in User.objects.filter(pk__in=seen):
        portal_rows.append(
            {
                "email": user.email,
                "session": session(user),
                "tickets": list(
                    Ticket.objects.filter(requester=user)
                    .order_by("-created_at")
                    .values_list("number", flat=True)[:20]
                ),
            }
        )
    team = Team.objects.order_by("pk").first()
    Mailbox.objects.get_or_create(
        name=MAILBOX,
        defaults={
            "kind": "pipe",
            "addresses": "support@podpora.test",
            "default_team": team,
        },
    )
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "agents": agent_rows,
        "portal": portal_rows,
    }


def helper_mail(duration: float, rate: float, out: Path) -> None:
    """One mail each 1/rate s through the intake, for ``duration`` s."""
    sys.path.insert(0, str(HERE))
    from mail_ingest import generate

    from podpora.mail import intake
    from podpora.mail.models import Mailbox

    mailbox = Mailbox.objects.get(name=MAILBOX)
    mails = generate(int(duration * rate) + 1, random.randrange(1_000_000))
    sent, failed = [], 0
    started = time.monotonic()
    for i, mail in enumerate(mails):
        due = started + i / rate
        if due > started + duration:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        try:
            intake.receive(mailbox, mail["raw"])
            sent.append(mail["id"])
        except Exception as exc:
            failed += 1
            print(f"mail failed: {exc!r}", file=sys.stderr)
    out.write_text(json.dumps({"ids": sent, "failed": failed}))


def helper_count(path: Path) -> dict:
    from podpora.mail.models import InboundMail, InboundState

    ids = json.loads(path.read_text())["ids"]
    stored = set(
        InboundMail.objects.filter(
            email_message_id__in=ids, state=InboundState.PROCESSED
        ).values_list("email_message_id", flat=True)
    )
    return {"sent": len(ids), "stored": len(stored)}


# --- the load ----------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.examples: list[str] = []

    def add(self, kind: str, ms: float) -> None:
        self.times.setdefault(kind, []).append(ms)

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {what}")


async def timed(stats: Stats, kind: str, request) -> object | None:
    started = time.perf_counter()
    try:
        response = await request
    except Exception as exc:
        stats.error(kind, repr(exc)[:200])
        return None
    stats.add(kind, (time.perf_counter() - started) * 1000)
    if response.status_code >= 400:
        stats.error(kind, f"{response.status_code} {response.url}")
        return None
    return response


async def agent(base: str, cookie: str, row: dict, until: float, stats: Stats) -> None:
    import websockets

    csrf = "c" * 32
    rng = random.Random()
    origin = base
    ws_url = base.replace("http://", "ws://") + "/ws/desk/"
    headers = {"Cookie": f"{cookie}={row['session']}"}
    socket_ = None
    try:
        socket_ = await websockets.connect(
            ws_url, additional_headers=headers, origin=origin, open_timeout=60
        )
    except Exception as exc:
        stats.error("websocket", repr(exc)[:200])

    async def listen():
        try:
            async for _ in socket_:
                stats.add("ws message", 0.0)
        except websockets.ConnectionClosed as closed:
            if time.monotonic() < until - 1:
                stats.error("websocket", f"closed {closed.rcvd}")

    listener = asyncio.create_task(listen()) if socket_ else None
    queues = ["/desk/queues/open/", "/desk/queues/unassigned/", "/desk/queues/mine/"]
    queues += [f"/desk/teams/{pk}/" for pk in row["teams"]]
    async with httpx.AsyncClient(
        base_url=base,
        cookies={cookie: row["session"], "csrftoken": csrf},
        headers={"X-CSRFToken": csrf},
        timeout=60,
        limits=KEEPALIVE,
    ) as client:
        await asyncio.sleep(rng.uniform(0, 5))
        tick = time.monotonic()
        while time.monotonic() < until:
            roll = rng.random()
            if roll < 0.35:
                await timed(stats, "queue", client.get(rng.choice(queues)))
            elif roll < 0.85:
                number = rng.choice(row["tickets"])
                page = await timed(
                    stats, "ticket", client.get(f"/desk/tickets/{number}/")
                )
                if page is not None and socket_ is not None:
                    with contextlib.suppress(websockets.ConnectionClosed):
                        await socket_.send(
                            json.dumps({"type": "view", "ticket": number})
                        )
                if roll >= 0.70 and page is not None:  # 15 %: reply to it
                    found = re.search(r'name="version" value="(\d+)"', page.text)
                    if not found:
                        stats.error("reply", "no reply form")
                    else:
                        await timed(
                            stats,
                            "reply",
                            client.post(
                                f"/desk/tickets/{number}/reply/",
                                data={
                                    "body": "Dzień dobry, sprawdzamy i wracamy z odpowiedzią.",
                                    "status": "",
                                    "version": found.group(1),
                                    "loaded_at": str(time.time()),
                                },
                            ),
                        )
            else:
                query = quote(rng.choice(QUERIES))
                await timed(stats, "search", client.get(f"/search/?q={query}"))
            tick += 5
            await asyncio.sleep(max(0.0, min(tick, until) - time.monotonic()))
    if socket_ is not None:
        await socket_.close()
    if listener:
        await listener


async def portal_user(
    base: str, cookie: str, row: dict, until: float, every: float, stats: Stats
) -> None:
    rng = random.Random()
    async with httpx.AsyncClient(
        base_url=base, cookies={cookie: row["session"]}, timeout=60, limits=KEEPALIVE
    ) as client:
        await asyncio.sleep(rng.uniform(0, every))
        tick = time.monotonic()
        while time.monotonic() < until:
            if rng.random() < 0.6 or not row["tickets"]:
                await timed(stats, "portal list", client.get("/portal/"))
            else:
                number = rng.choice(row["tickets"])
                await timed(
                    stats, "portal ticket", client.get(f"/portal/tickets/{number}/")
                )
            tick += every
            await asyncio.sleep(max(0.0, min(tick, until) - time.monotonic()))


async def deliver_mails(env: dict, duration: float, rate: float, out: Path) -> None:
    sys.path.insert(0, str(HERE))
    from mail_ingest import generate

    mails = generate(int(duration * rate) + 1, random.randrange(1_000_000))
    sent, failed = [], 0
    started = time.monotonic()

    retried = 0

    async def one(mail) -> None:
        # As an MTA does: exit 75 (EX_TEMPFAIL) keeps the mail queued and it is
        # handed over again a little later; anything else is a bounce.
        nonlocal failed, retried
        for attempt in range(5):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "podpora.cli",
                "mail",
                "deliver",
                "--mailbox",
                MAILBOX,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=ROOT,
            )
            _, err = await process.communicate(mail["raw"])
            if process.returncode == 0:
                sent.append(mail["id"])
                return
            print(
                f"mail deliver exit {process.returncode}: {err.decode()[-300:]}",
                file=sys.stderr,
            )
            if process.returncode != 75:
                break
            retried += 1
            await asyncio.sleep(2 * (attempt + 1))
        failed += 1

    tasks = []
    for i, mail in enumerate(mails):
        due = started + i / rate
        if due > started + duration:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(one(mail)))
    await asyncio.gather(*tasks)
    # The MTA's view: every mail handed over counts as sent.
    out.write_text(json.dumps({"ids": sent, "failed": failed, "retried": retried}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--tickets", type=int, default=250_000)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--agents", type=int, default=25)
    parser.add_argument("--portal-users", type=int, default=100)
    parser.add_argument("--portal-every", type=float, default=30)
    parser.add_argument("--mails-per-second", type=float, default=1)
    parser.add_argument("--mail-via", choices=("intake", "deliver"), default="intake")
    parser.add_argument("--helper", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.helper:
        _django()
        command, *rest = args.helper
        if command == "fill":
            result = helper_fill(int(rest[0]))
        elif command == "prepare":
            result = helper_prepare(int(rest[0]), int(rest[1]))
        elif command == "mail":
            helper_mail(float(rest[0]), float(rest[1]), Path(rest[2]))
            return
        else:
            result = helper_count(Path(rest[0]))
        print(json.dumps(result))
        return

    if not args.database_url.startswith("postgres"):
        raise SystemExit("load.py runs against PostgreSQL: --database-url postgres://…")
    name = args.database_url.rsplit("/", 1)[-1]
    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"pick a database of your own, not {name!r}")
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
        capture_output=True,
        check=False,
    )
    work = Path(tempfile.mkdtemp(prefix="podpora-load-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "podpora.settings",
        "PODPORA_DATA_DIR": str(work / "data"),
        "PODPORA_MEDIA_ROOT": str(work / "media"),
        "PODPORA_SECRET_KEY": "bench-only-secret-key-not-for-production",
        "PODPORA_BASE_URL": base,
        "PODPORA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }

    def helper(*words: str, quiet: bool = True) -> dict:
        done = subprocess.run(
            [sys.executable, __file__, "--helper", *words],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if quiet else None,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{words[0]} failed:\n{(done.stderr or '')[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    started = time.perf_counter()
    tickets = helper("fill", str(args.tickets), quiet=False)["tickets"]
    print(
        f"# {tickets:,} tickets ready ({time.perf_counter() - started:.0f} s)",
        file=sys.stderr,
        flush=True,
    )
    prepared = helper("prepare", str(args.agents), str(args.portal_users))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "podpora.cli",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    mail_out = work / "mails.json"
    mail_process = None
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("podpora run did not start")
            time.sleep(0.5)
        load_before = _load_average()
        stats = Stats()
        until = time.monotonic() + args.duration
        if args.mail_via == "intake":
            mail_process = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--helper",
                    "mail",
                    str(args.duration),
                    str(args.mails_per_second),
                    str(mail_out),
                ],
                env=env,
                cwd=ROOT,
            )

        async def everything() -> None:
            jobs = [
                agent(base, prepared["cookie"], row, until, stats)
                for row in prepared["agents"]
            ]
            jobs += [
                portal_user(
                    base, prepared["cookie"], row, until, args.portal_every, stats
                )
                for row in prepared["portal"]
            ]
            if args.mail_via == "deliver":
                jobs.append(
                    deliver_mails(env, args.duration, args.mails_per_second, mail_out)
                )
            await asyncio.gather(*jobs)

        print(
            f"# load: {args.agents} agents, {len(prepared['portal'])} portal users, "
            f"{args.mails_per_second:g} mail/s via {args.mail_via}, {args.duration:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        asyncio.run(everything())
        if mail_process is not None:
            mail_process.wait(timeout=600)
        load_after = _load_average()
        mails = json.loads(mail_out.read_text()) if mail_out.exists() else {"ids": []}
        # Give the worker a moment for anything it was still doing.
        time.sleep(5)
        counted = helper("count", str(mail_out))
    finally:
        if mail_process is not None and mail_process.poll() is None:
            mail_process.terminate()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"load: {tickets:,} tickets, PostgreSQL, {args.duration:.0f} s, "
        f"{args.agents} agents (+ WebSocket), {len(prepared['portal'])} portal users, "
        f"{args.mails_per_second:g} mail/s via {args.mail_via}; load average "
        f"{load_before} before, {load_after} after, {os.cpu_count()} cores"
    )
    for kind in ("queue", "ticket", "search", "reply", "portal list", "portal ticket"):
        values = stats.times.get(kind, [])
        if not values:
            print(f"{kind:<14} no requests")
            continue
        line = (
            f"{kind:<14} p95 {_p95(values):7.0f} ms  median {statistics.median(values):6.0f} ms"
            f"  {len(values):5} requests"
        )
        if kind in TARGETS:
            verdict = "PASS" if _p95(values) <= TARGETS[kind] else "FAIL"
            line += f"  target ≤{TARGETS[kind]} ms {verdict}"
        print(line)
    errors = sum(stats.errors.values())
    print(
        f"errors         {errors} {dict(stats.errors) or ''}  "
        f"{'PASS' if errors == 0 else 'FAIL'}"
    )
    for example in stats.examples:
        print(f"  e.g. {example}")
    lost = counted["sent"] - counted["stored"] + mails.get("failed", 0)
    print(
        f"mails          {counted['sent'] + mails.get('failed', 0)} sent, "
        f"{counted['stored']} stored, {lost} lost  {'PASS' if lost == 0 else 'FAIL'}"
        + (
            f" ({mails['retried']} handed over again after exit 75)"
            if mails.get("retried")
            else ""
        )
    )
    print(
        f"websocket      {len(stats.times.get('ws message', []))} live-update messages received"
    )


if __name__ == "__main__":
    main()
