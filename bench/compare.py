"""Podpora against django-helpdesk 2.6 on the same tickets, page by page, in one run.

    python bench/compare.py [--sizes 100000] [--runs 5]
                            [--database-url sqlite:///var/bench/compare/podpora.sqlite3]
    python bench/compare.py --database-url postgres://postgres@127.0.0.1:5432/podpora_cmp
    python bench/compare.py --sizes 100000,1000000 --database-url postgres://…/podpora_cmp

What it does, for each size:

1. fills Podpora's database up to N tickets with ``podpora.core.sample_data``
   (organisations, requesters, teams, agents, threads with replies and notes),
   plus one ticket with ten messages for the ticket page;
2. copies the same tickets into django-helpdesk's database (a database of its
   own: ``<name>_peer`` on PostgreSQL, ``peer.sqlite3`` beside the SQLite
   file) with bulk inserts: a queue per team, the agents as staff users, the
   requester's address as the submitter, every message as a follow-up (notes
   private), the first one also as the description; the peer's ticket id is
   Podpora's ticket id. The peer has no organisations;
3. starts both servers on loopback — ``podpora serve`` (one worker) and the
   peer under gunicorn (one worker) — signs an agent in to each (a
   supervisor, a superuser) and times, one request at a time, interleaved:

   ========== ================================== ===========================================
   page       Podpora                             django-helpdesk
   ========== ================================== ===========================================
   queue      ``/desk/queues/open/``              ``/helpdesk/tickets/`` + its table's JSON
   dashboard  ``/reports/``                       ``/helpdesk/dashboard/``
   ticket     ``/desk/tickets/<n>/``              ``/helpdesk/tickets/<id>/``
   search     ``/search/?q=…``                    ``/helpdesk/tickets/?q=…`` + its table's JSON
   api create ``POST /api/v1/tickets`` (token)    ``POST /helpdesk/api/tickets/`` (session)
   ========== ================================== ===========================================

and prints min/median/max over ``--runs`` runs for each, the ratio of the
medians (peer / Podpora: how many times faster Podpora is) and PASS/FAIL
against the targets of issue 16 — twice: for the time to the last byte, and
for the CPU time the request cost the server's processes and their
PostgreSQL backends (from the kernel's per-thread counters), which a busy
shared machine disturbs far less than the wall time. With two sizes it also prints how much slower
each Podpora page got (target ≤ 1.3×, search ≤ 2×).

The databases are kept (``--fresh`` starts them again), so a second run
measures at once. On PostgreSQL the databases are created when missing; never
point this at a database that holds real data.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import peer  # noqa: E402

COMPARE = ROOT / "var" / "bench" / "compare"
SUPERVISOR = "sylwia@podpora.demo"
SEARCH = "drukarka"
BENCH_SUBJECT = "Bench ticket page"
# Tickets the API create measurement adds: never copied to the peer, whose own
# are deleted before it gets more tickets (its ids are Podpora's).
API_SUBJECT = "Bench API ticket"

# Minimum multiple of the peer per page at 10^5 (and 10^6) tickets.
TARGETS = {
    "queue": (20.0, 20.0),
    "dashboard": (20.0, 20.0),
    "ticket": (1.0, 1.0),
    "search": (5.0, 20.0),
    "api create": (1.0, 1.0),
}
FLAT = {"queue": 1.3, "ticket": 1.3, "search": 2.0}


# --- Podpora's side (run in this venv, in a subprocess per step) ------------------------


def ours_helper(command: str, argument: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from podpora.tickets.models import Ticket

    if command == "fill":
        from podpora.core.sample_data import ensure_world, generate_tickets

        ensure_world()
        target = int(argument)
        have = Ticket.objects.count()
        if have < target:
            started = time.perf_counter()
            generate_tickets(
                target - have,
                seed=have + 1,
                progress=lambda done: print(
                    f"#   podpora {have + done:,} tickets", file=sys.stderr, flush=True
                ),
            )
            print(
                f"# podpora: {target - have:,} tickets in "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
        _bench_ticket()
        _index()
        print(json.dumps({"tickets": Ticket.objects.count()}))
    elif command == "export":
        after, path = argument.split(":", 1)
        print(json.dumps(_export(int(after), Path(path))))
    elif command == "session":
        _index()
        print(json.dumps(_session()))


def _index() -> None:
    """The sample data skips the search hooks: build the index once."""
    from django.core.management import call_command

    from podpora.search.models import SearchDocument
    from podpora.tickets.models import Ticket

    if SearchDocument.objects.count() != Ticket.objects.count():
        started = time.perf_counter()
        call_command("search", "reindex", "--batch-size", "2000")
        print(
            f"# podpora: search index built in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )


def _bench_ticket():
    from podpora.accounts.models import User
    from podpora.tickets import services
    from podpora.tickets.models import Ticket

    found = Ticket.objects.filter(subject=BENCH_SUBJECT).first()
    if found:
        return found
    supervisor = User.objects.get(email=SUPERVISOR)
    customer = (
        User.objects.filter(agent_role="", memberships__isnull=False)
        .order_by("pk")
        .first()
    )
    ticket = services.open_ticket(
        subject=BENCH_SUBJECT,
        requester=customer,
        channel="email",
        body_text="Drukarka w księgowości nie drukuje od rana.",
    )
    for i in range(3):
        services.add_reply(ticket, author=supervisor, body_text=f"Sprawdzamy ({i}).")
        services.add_customer_message(
            ticket, author=customer, body_text=f"Nadal nie działa ({i})."
        )
        services.add_note(ticket, author=supervisor, body_text=f"Notatka {i}")
    return ticket


def _export(after: int, path: Path) -> dict:
    """Tickets with an id above ``after``, one JSON line each, with their thread."""
    from podpora.accounts.models import Team, User
    from podpora.tickets.models import Message, Ticket

    teams = list(Team.objects.order_by("pk").values("pk", "name"))
    agents = list(
        User.objects.exclude(agent_role="")
        .order_by("pk")
        .values("pk", "email", "full_name", "agent_role")
    )
    emails = dict(User.objects.values_list("pk", "email"))
    count = 0
    with path.open("w") as out:
        out.write(json.dumps({"teams": teams, "agents": agents}) + "\n")
        last = after
        while True:
            rows = list(
                Ticket.objects.filter(pk__gt=last)
                .exclude(subject__startswith=API_SUBJECT)
                .order_by("pk")
                .values_list(
                    "pk",
                    "subject",
                    "status",
                    "priority",
                    "created_at",
                    "updated_at",
                    "requester_id",
                    "team_id",
                    "assignee_id",
                )[:5000]
            )
            if not rows:
                break
            thread: dict[int, list] = {}
            for ticket_id, kind, author, created, body in (
                Message.objects.filter(
                    ticket_id__gte=rows[0][0], ticket_id__lte=rows[-1][0]
                )
                .order_by("ticket_id", "created_at", "pk")
                .values_list(
                    "ticket_id", "kind", "author_id", "created_at", "body_text"
                )
            ):
                thread.setdefault(ticket_id, []).append(
                    [kind, emails.get(author, ""), created.isoformat(), body]
                )
            for (
                pk,
                subject,
                status,
                priority,
                created,
                updated,
                req,
                team,
                assignee,
            ) in rows:
                out.write(
                    json.dumps(
                        [
                            pk,
                            subject,
                            status,
                            priority,
                            created.isoformat(),
                            updated.isoformat(),
                            emails.get(req, ""),
                            team,
                            emails.get(assignee) if assignee else None,
                            thread.get(pk, []),
                        ]
                    )
                    + "\n"
                )
            count += len(rows)
            last = rows[-1][0]
    return {"exported": count}


def _session() -> dict:
    from django.conf import settings
    from django.test import Client

    from podpora.accounts.models import User
    from podpora.api.services import create_token

    supervisor = User.objects.get(email=SUPERVISOR)
    client = Client()
    client.force_login(supervisor)
    customer = (
        User.objects.filter(agent_role="", memberships__isnull=False)
        .order_by("pk")
        .first()
    )
    ticket = _bench_ticket()
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "token": create_token(supervisor, name="bench compare", scope="write")[1],
        "requester": customer.pk,
        "ticket": ticket.number,
        "ticket_id": ticket.pk,
    }


# --- the peer's side (run in its venv) -------------------------------------------------------

PEER_LOAD = r"""
import json, os, sys
from datetime import datetime, timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsettings")
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from helpdesk.models import FollowUp, Queue, Ticket
User = get_user_model()
path = sys.argv[1]
STATUS = {"new": 1, "open": 1, "waiting_customer": 1, "waiting_third_party": 1,
          "resolved": 3, "closed": 4}
PRIORITY = {4: 1, 3: 2, 2: 3, 1: 4}
with open(path) as lines:
    head = json.loads(next(lines))
    queues = {}
    for team in head["teams"]:
        queue, _ = Queue.objects.get_or_create(
            slug=f"team-{team['pk']}",
            defaults={"title": team["name"], "allow_email_submission": False},
        )
        queues[team["pk"]] = queue.pk
    fallback = queues[head["teams"][0]["pk"]]
    users = {}
    for agent in head["agents"]:
        user, made = User.objects.get_or_create(
            username=agent["email"][:150],
            defaults={"email": agent["email"], "first_name": agent["full_name"][:150],
                      "is_staff": True, "is_superuser": agent["agent_role"] in ("admin", "supervisor")},
        )
        users[agent["email"]] = user.pk
    count = 0
    tickets, followups = [], []

    def flush():
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=1000)
            FollowUp.objects.bulk_create(followups, batch_size=2000)
        tickets.clear(); followups.clear()

    for line in lines:
        pk, subject, status, priority, created, updated, requester, team, assignee, thread = json.loads(line)
        created = datetime.fromisoformat(created)
        tickets.append(Ticket(
            id=pk, title=subject[:200], queue_id=queues.get(team, fallback),
            created=created, modified=datetime.fromisoformat(updated),
            submitter_email=requester, assigned_to_id=users.get(assignee),
            status=STATUS.get(status, 1), priority=PRIORITY.get(priority, 3),
            description=thread[0][3] if thread else "",
        ))
        for n, (kind, author, at, body) in enumerate(thread):
            followups.append(FollowUp(
                ticket_id=pk, date=datetime.fromisoformat(at),
                title="Ticket Opened" if n == 0 else "Comment", comment=body,
                public=kind != "note", user_id=users.get(author),
            ))
        count += 1
        if len(tickets) >= 2000:
            flush()
            if count % 50000 == 0:
                print(f"#   peer {count:,} tickets", file=sys.stderr, flush=True)
    if tickets:
        flush()
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        for table in ("helpdesk_ticket", "helpdesk_followup"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cursor.execute("ANALYZE")
print(json.dumps({"loaded": count, "tickets": Ticket.objects.count()}))
"""

PEER_STATE = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsettings")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db.models import Max
from helpdesk.models import Ticket
Ticket.objects.filter(title__startswith="Bench API ticket").delete()
print(json.dumps({"max_id": Ticket.objects.aggregate(m=Max("id"))["m"] or 0}))
"""

PEER_SESSION = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsettings")
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from helpdesk.models import Queue
User = get_user_model()
user, _ = User.objects.get_or_create(
    username="bench-agent",
    defaults={"email": "bench-agent@podpora.test", "is_staff": True, "is_superuser": True},
)
client = Client()
client.force_login(user)
print(json.dumps({"cookie": settings.SESSION_COOKIE_NAME,
                  "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                  "queue": Queue.objects.order_by("pk").first().pk}))
"""


# --- plumbing ------------------------------------------------------------------------------------


def _json_of(done: subprocess.CompletedProcess, what: str) -> dict:
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Side:
    """One system's database, environment and server."""

    def __init__(self, name: str, database_url: str, work: Path):
        self.name = name
        self.database_url = database_url
        self.work = work
        self.server: subprocess.Popen | None = None
        self.port = 0


class Ours(Side):
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": "podpora.settings",
            "PODPORA_DATA_DIR": str(self.work / "data"),
            "PODPORA_MEDIA_ROOT": str(self.work / "media"),
            "PODPORA_SECRET_KEY": "bench-only-secret-key-not-for-production",
            "PODPORA_API_RATE_LIMIT": "0",
            "PODPORA_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT / "src"),
        }

    def helper(self, command: str, argument: str = "") -> dict:
        done = subprocess.run(
            [sys.executable, __file__, "--ours", command, argument],
            env=self.env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=None if command == "fill" else subprocess.PIPE,
            text=True,
            check=False,
        )
        return _json_of(done, f"podpora {command}")

    def start(self) -> None:
        self.port = _free_port()
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "podpora.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
            ],
            env=self.env(),
            cwd=ROOT,
            start_new_session=True,
        )


class Peer(Side):
    def __init__(self, name: str, database_url: str, work: Path, python: Path):
        super().__init__(name, database_url, work)
        self.python = python
        self.project = peer.write_project(
            work / "project",
            {"load.py": PEER_LOAD, "state.py": PEER_STATE, "session.py": PEER_SESSION},
        )

    def env(self) -> dict[str, str]:
        return peer.environment(self.project, self.database_url, self.work / "media")

    def script(self, name: str, *args: str) -> dict:
        done = subprocess.run(
            [str(self.python), str(self.project / name), *args],
            env=self.env(),
            cwd=self.project,
            stdout=subprocess.PIPE,
            stderr=None if name == "load.py" else subprocess.PIPE,
            text=True,
            check=False,
        )
        return _json_of(done, f"django-helpdesk {name}")

    def start(self) -> None:
        self.port = _free_port()
        self.server = subprocess.Popen(
            [
                str(self.python.parent / "gunicorn"),
                "hdwsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
                # Its slowest pages take longer than gunicorn's default 30 s
                # on a busy machine; a killed worker would answer 500.
                "--timeout",
                "900",
            ],
            env=self.env(),
            cwd=self.project,
            start_new_session=True,
        )


def stop(side: Side) -> None:
    if side.server is not None and side.server.poll() is None:
        os.killpg(side.server.pid, signal.SIGTERM)
        try:
            side.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(side.server.pid, signal.SIGKILL)
    side.server = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(client, side: Side, path: str) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while True:
        try:
            client.get(path)
            return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or side.server.poll() is not None:
            raise SystemExit(f"{side.name}: the server did not start")
        time.sleep(0.3)


def databases(url: str, work: Path) -> tuple[str, str]:
    """Podpora's database URL and the peer's, created on PostgreSQL if missing."""
    if url.startswith("sqlite:///"):
        ours = Path(url[len("sqlite:///") :])
        ours.parent.mkdir(parents=True, exist_ok=True)
        return url, f"sqlite:///{ours.parent / 'peer.sqlite3'}"
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if name in ("", "test", "postgres", "template0", "template1"):
        raise SystemExit(f"pick a database name of your own, not {name!r}")
    for db in (name, f"{name}_peer"):
        subprocess.run(
            [
                "createdb",
                "-h",
                parsed.hostname or "127.0.0.1",
                "-U",
                parsed.username or "postgres",
                db,
            ],
            capture_output=True,
            check=False,
        )
    return url, url.rsplit("/", 1)[0] + f"/{name}_peer"


def drop(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    parsed = urlparse(url)
    subprocess.run(
        [
            "dropdb",
            "-h",
            parsed.hostname or "127.0.0.1",
            "-U",
            parsed.username or "postgres",
            "--if-exists",
            parsed.path.lstrip("/"),
        ],
        check=False,
    )


# --- measuring -------------------------------------------------------------------------------


def measure(ours: Ours, theirs: Peer, runs: int, warmup: int) -> dict[str, dict]:
    import httpx

    info = ours.helper("session")
    peer_info = theirs.script("session.py")
    ours.start()
    theirs.start()
    try:
        a = httpx.Client(
            base_url=f"http://127.0.0.1:{ours.port}",
            cookies={info["cookie"]: info["session"]},
            timeout=120,
        )
        csrf = "b" * 32
        b = httpx.Client(
            base_url=f"http://127.0.0.1:{theirs.port}",
            cookies={peer_info["cookie"]: peer_info["session"], "csrftoken": csrf},
            headers={"X-CSRFToken": csrf},
            timeout=120,
        )
        _wait_up(a, ours, "/healthz")
        _wait_up(b, theirs, "/helpdesk/login/")

        def get(client, url: str) -> str:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(
                    f"GET {url}: {response.status_code} {response.text[:300]}"
                )
            return response.text

        def table_url(page: str) -> str:
            found = re.search(
                r"""["']([^"']*datatables_ticket_list/[^"']+)["']""", page
            )
            if not found:
                raise SystemExit("django-helpdesk's ticket list has no table URL")
            return found.group(1) + "?draw=1&start=0&length=50"

        peer_list = table_url(get(b, "/helpdesk/tickets/"))
        peer_search = table_url(get(b, f"/helpdesk/tickets/?q={SEARCH}"))
        counter = iter(range(10**9))

        def ours_create():
            i = next(counter)
            response = a.post(
                "/api/v1/tickets",
                headers={"Authorization": f"Bearer {info['token']}"},
                json={
                    "subject": f"{API_SUBJECT} {i}: drukarka nie drukuje",
                    "body_text": "Od rana drukarka pokazuje błąd papieru.",
                    "requester_id": info["requester"],
                    "priority": 2,
                },
            )
            if response.status_code >= 300:
                raise SystemExit(
                    f"podpora create: {response.status_code} {response.text[:300]}"
                )

        def peer_create():
            i = next(counter)
            response = b.post(
                "/helpdesk/api/tickets/",
                json={
                    "queue": peer_info["queue"],
                    "title": f"{API_SUBJECT} {i}: drukarka nie drukuje",
                    "description": "Od rana drukarka pokazuje błąd papieru.",
                    "submitter_email": "jan.testowy@bench.pl",
                    "priority": 3,
                },
            )
            if response.status_code >= 300:
                raise SystemExit(
                    f"peer create: {response.status_code} {response.text[:300]}"
                )

        pages = {
            "queue": (
                lambda: get(a, "/desk/queues/open/"),
                lambda: (get(b, "/helpdesk/tickets/"), get(b, peer_list)),
            ),
            "dashboard": (
                lambda: get(a, "/reports/"),
                lambda: get(b, "/helpdesk/dashboard/"),
            ),
            "ticket": (
                lambda: get(a, f"/desk/tickets/{info['ticket']}/"),
                lambda: get(b, f"/helpdesk/tickets/{info['ticket_id']}/"),
            ),
            "search": (
                lambda: get(a, f"/search/?q={SEARCH}"),
                lambda: (get(b, f"/helpdesk/tickets/?q={SEARCH}"), get(b, peer_search)),
            ),
            "api create": (ours_create, peer_create),
        }
        for _ in range(warmup):
            for first, second in pages.values():
                first()
                second()
        times: dict[str, tuple[list, list]] = {name: ([], []) for name in pages}
        cpu: dict[str, tuple[list, list]] = {name: ([], []) for name in pages}
        backends = (_backends(ours.database_url), _backends(theirs.database_url))
        groups = (ours.server.pid, theirs.server.pid)
        for run in range(runs):
            for name, pair in pages.items():
                # Alternate who goes first, so neither always meets a warmer cache.
                order = (0, 1) if run % 2 == 0 else (1, 0)
                for side in order:
                    before = _cpu_ms(groups[side], backends[side])
                    started = time.perf_counter()
                    pair[side]()
                    times[name][side].append((time.perf_counter() - started) * 1000)
                    cpu[name][side].append(
                        _cpu_ms(groups[side], backends[side]) - before
                    )
            print(f"#   run {run + 1}/{runs}", file=sys.stderr, flush=True)
        return {"wall": times, "cpu": cpu}
    finally:
        stop(ours)
        stop(theirs)


def _cpu_ms(group: int, pids: list[int]) -> float:
    """CPU time of a server's process group (every thread) and its database
    backends, from the scheduler's nanosecond counters: the work a request
    costs, whatever else the machine runs."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                pgrp = int(handle.read().rsplit(")", 1)[1].split()[2])
            if pgrp != group and int(entry.name) not in pids:
                continue
            for task in os.scandir(f"/proc/{entry.name}/task"):
                with open(f"{task.path}/schedstat") as handle:
                    total += int(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e6


def _backends(url: str) -> list[int]:
    """PostgreSQL server processes serving ``url``'s database (kept connections)."""
    if not url.startswith("postgres"):
        return []
    parsed = urlparse(url)
    done = subprocess.run(
        [
            "psql",
            "-h",
            parsed.hostname or "127.0.0.1",
            "-U",
            parsed.username or "postgres",
            "-Atc",
            "SELECT pid FROM pg_stat_activity WHERE datname = "
            f"'{parsed.path.lstrip('/')}' AND pid <> pg_backend_pid()",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(line) for line in done.stdout.split() if line.isdigit()]


def report(size: int, engine: str, figures: dict, large: bool) -> dict[str, float]:
    runs = len(figures["wall"]["queue"][0])
    medians = {}
    for kind, title in (
        ("wall", "time to the last byte, ms"),
        ("cpu", "CPU time of the server and its database, ms"),
    ):
        print(
            f"\n{engine}, {size:,} tickets: {title} (min / median / max of {runs} runs)"
        )
        print(
            f"{'page':<11} {'podpora':>25} {'django-helpdesk':>26} {'ratio':>8}  target"
        )
        for name, (mine, theirs) in figures[kind].items():
            ours_median = statistics.median(mine)
            peer_median = statistics.median(theirs)
            ratio = peer_median / max(ours_median, 1e-3)
            target = TARGETS[name][1 if large else 0]
            verdict = "PASS" if ratio >= target else "FAIL"
            if kind == "wall":
                medians[name] = ours_median
            print(
                f"{name:<11} {min(mine):7.1f} / {ours_median:7.1f} / {max(mine):7.1f}"
                f"  {min(theirs):7.1f} / {peer_median:7.1f} / {max(theirs):8.1f}"
                f"  {ratio:6.1f}x  ≥{target:g}x {verdict}"
            )
    return medians


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{COMPARE / 'podpora.sqlite3'}",
        help="Podpora's database (the peer's is derived from it)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="start both databases again"
    )
    parser.add_argument("--helpdesk-venv", default=str(peer.DEFAULT_VENV))
    parser.add_argument("--ours", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours:
        ours_helper(*args.ours)
        return

    python = peer.ensure_helpdesk(Path(args.helpdesk_venv))
    sizes = [int(s) for s in args.sizes.split(",")]
    # Each pair of databases has its own folders (Podpora's data folder holds
    # its file cache, which must not be shared between two databases).
    if args.database_url.startswith("sqlite:///"):
        work_root = Path(args.database_url[len("sqlite:///") :]).parent
    else:
        work_root = COMPARE / urlparse(args.database_url).path.strip("/")
    work_root.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        our_url, peer_url = databases(args.database_url, work_root)
        drop(our_url)
        drop(peer_url)
    our_url, peer_url = databases(args.database_url, work_root)
    engine = "PostgreSQL" if our_url.startswith("postgres") else "SQLite"
    ours = Ours("podpora", our_url, work_root / "ours")
    theirs = Peer("django-helpdesk", peer_url, work_root / "peer", python)
    by_size: dict[int, dict[str, float]] = {}
    try:
        for i, size in enumerate(sizes):
            started = time.perf_counter()
            ours.helper("fill", str(size))
            after = theirs.script("state.py")["max_id"]
            with tempfile.NamedTemporaryFile(
                "w", suffix=".jsonl", dir=work_root, delete=False
            ) as handle:
                dump = Path(handle.name)
            try:
                exported = ours.helper("export", f"{after}:{dump}")["exported"]
                if exported:
                    print(
                        f"# copying {exported:,} tickets to the peer", file=sys.stderr
                    )
                    theirs.script("load.py", str(dump))
            finally:
                dump.unlink(missing_ok=True)
            print(
                f"# {size:,} tickets in both ({time.perf_counter() - started:.0f} s); "
                f"load average {load_average()}",
                file=sys.stderr,
                flush=True,
            )
            times = measure(ours, theirs, args.runs, args.warmup)
            by_size[size] = report(size, engine, times, large=i > 0 and size >= 10**6)
            print(
                f"load average {load_average()} on {os.cpu_count()} cores", flush=True
            )
    finally:
        stop(ours)
        stop(theirs)
    if len(sizes) > 1:
        small, large = by_size[sizes[0]], by_size[sizes[-1]]
        print(
            f"\nflatness, {sizes[-1]:,} against {sizes[0]:,} tickets (Podpora medians)"
        )
        for name, limit in FLAT.items():
            ratio = large[name] / small[name]
            verdict = "PASS" if ratio <= limit else "FAIL"
            print(f"{name:<11} {ratio:5.2f}x  ≤{limit:g}x {verdict}")


if __name__ == "__main__":
    main()
