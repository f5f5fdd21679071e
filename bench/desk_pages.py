"""How fast the agent desk answers as the ticket table grows.

Prints one figure line per measurement: the median time of the queue page
(50 rows, filtered and sorted), the sidebar counts (uncached), the ticket page
(10 messages), each at every size given, plus the ratio between sizes and the
ratio to a minimal Django view rendering a static template in the same run.

    .venv/bin/python bench/desk_pages.py                      # 100,000 tickets
    .venv/bin/python bench/desk_pages.py --sizes 100000,1000000

Needs PostgreSQL: ``createdb -h 127.0.0.1 -U postgres podpora_bench_desk``.
The data is kept between runs and topped up to each size, so a second run
starts at once. Tickets come from ``podpora.core.sample_data.generate_tickets``
when that module exists, else from the quick filler below.
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/podpora_bench_desk"

# Requests go through the full middleware stack; this URLconf adds the baseline.
urlpatterns: list = []


def _baseline(request):  # a minimal view rendering a static template
    from django.shortcuts import render

    return render(request, "accounts/password_reset_done.html")


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    os.environ.setdefault("PODPORA_DATA_DIR", str(REPO / "var" / "bench"))
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import django
    from django.conf import settings

    warnings.filterwarnings("ignore", "No directory at")

    django.setup()
    from django.urls import include, path

    urlpatterns[:] = [
        path("bench-baseline/", _baseline),
        path("", include("podpora.urls")),
    ]
    sys.modules["desk_pages"] = sys.modules[__name__]
    settings.ROOT_URLCONF = "desk_pages"
    settings.ALLOWED_HOSTS = ["*"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- data ---------------------------------------------------------------------


def _people():
    from podpora.accounts.models import (
        AgentRole,
        Membership,
        Organization,
        Team,
        Tier,
        User,
    )

    if User.objects.filter(email="bench-supervisor@podpora.test").exists():
        return
    teams = [
        Team.objects.create(name=f"Bench team {i}", tier=Tier.FIRST if i < 3 else 2)
        for i in range(5)
    ]
    User.objects.create_user(
        email="bench-supervisor@podpora.test",
        password="bench",
        full_name="Bench Supervisor",
        agent_role=AgentRole.SUPERVISOR,
    )
    for i in range(20):
        agent = User.objects.create_user(
            email=f"bench-agent{i}@podpora.test",
            password="bench",
            full_name=f"Agent {i}",
            agent_role=AgentRole.AGENT,
        )
        teams[i % 5].agents.add(agent)
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Bench client {i:03d}") for i in range(200)]
    )
    customers = User.objects.bulk_create(
        [
            User(email=f"customer{i}@client{i % 200}.test", full_name=f"Customer {i}")
            for i in range(2000)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=c, organization=orgs[i % 200])
            for i, c in enumerate(customers)
        ]
    )


def _fill(target: int) -> None:
    """Top the ticket table up to ``target`` rows, one first message each."""
    from django.db import connection, transaction
    from django.utils import timezone

    from podpora.accounts.models import Membership, Team, User
    from podpora.tickets.models import (
        Message,
        MessageKind,
        Status,
        Ticket,
    )
    from podpora.tickets.numbering import SEQUENCE_NAME

    have = Ticket.objects.count()
    if have >= target:
        return
    try:
        from podpora.core.sample_data import generate_tickets  # type: ignore
    except ImportError:
        generate_tickets = None
    if generate_tickets is not None:
        generate_tickets(target - have)
        return
    rng = random.Random(have)
    teams = list(Team.objects.filter(name__startswith="Bench"))
    agents = list(User.objects.filter(email__startswith="bench-agent"))
    members = list(
        Membership.objects.filter(user__email__startswith="customer").values_list(
            "user_id", "organization_id"
        )
    )
    statuses = [Status.NEW] * 15 + [Status.OPEN] * 20 + [Status.WAITING_CUSTOMER] * 10
    statuses += [Status.WAITING_THIRD_PARTY] * 5 + [Status.RESOLVED] * 20
    statuses += [Status.CLOSED] * 30
    channels = ["email", "portal", "phone", "chat"]
    now = timezone.now()
    number = (
        Ticket.objects.order_by("-number").values_list("number", flat=True).first()
        or 10000
    )
    batch = 5000
    while have < target:
        size = min(batch, target - have)
        tickets = []
        for _ in range(size):
            number += 1
            requester, org = rng.choice(members)
            created = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            team = rng.choice(teams)
            tickets.append(
                Ticket(
                    number=number,
                    subject=f"Bench ticket {number}: printer, VPN or mailbox trouble",
                    status=rng.choice(statuses),
                    priority=rng.choice([1, 2, 2, 2, 3, 4]),
                    channel=rng.choice(channels),
                    requester_id=requester,
                    organization_id=org,
                    team=team,
                    tier=team.tier,
                    assignee=rng.choice(agents) if rng.random() < 0.7 else None,
                    created_at=created,
                    updated_at=created + timedelta(minutes=rng.randint(0, 20000)),
                )
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=batch)
            Message.objects.bulk_create(
                [
                    Message(
                        ticket=t,
                        kind=MessageKind.CUSTOMER,
                        author_id=t.requester_id,
                        channel=t.channel,
                        body_text="The printer on the second floor shows error 79.",
                        created_at=t.created_at,
                    )
                    for t in tickets
                ],
                batch_size=batch,
            )
        have += size
    with connection.cursor() as cursor:
        # Numbers given here by hand: move the sequence past them.
        cursor.execute("SELECT setval(%s, %s)", [SEQUENCE_NAME, number])
        cursor.execute("ANALYZE")


def _ticket_with_ten_messages():
    from django.db import connection
    from django.db.models import Max

    from podpora.accounts.models import User
    from podpora.tickets import services
    from podpora.tickets.models import Ticket
    from podpora.tickets.numbering import SEQUENCE_NAME

    found = Ticket.objects.filter(subject="Bench ticket page").first()
    if found:
        return found
    with connection.cursor() as cursor:
        # The filler gives numbers by hand: move the sequence past them.
        highest = Ticket.objects.aggregate(top=Max("number"))["top"] or 10000
        cursor.execute("SELECT setval(%s, %s)", [SEQUENCE_NAME, highest])
    supervisor = User.objects.get(email="bench-supervisor@podpora.test")
    customer = User.objects.get(email="customer1@client1.test")
    ticket = services.open_ticket(
        subject="Bench ticket page",
        requester=customer,
        channel="email",
        body_text="First message",
    )
    for i in range(3):
        services.add_reply(ticket, author=supervisor, body_text=f"Reply {i}")
        services.add_customer_message(ticket, author=customer, body_text=f"More {i}")
        services.add_note(ticket, author=supervisor, body_text=f"Note {i}")
    return ticket


# --- measuring ------------------------------------------------------------------


def _interleaved_medians(runs: dict, repeat: int) -> dict[str, float]:
    """Median per run, the runs taken in turn so that a busy moment on a
    shared machine weighs on all of them alike (the ratios stay fair)."""
    for run in runs.values():
        for _ in range(3):
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def _measure(size: int, repeat: int) -> dict[str, float]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from podpora.accounts.models import Team, User
    from podpora.desk import queues

    supervisor = User.objects.get(email="bench-supervisor@podpora.test")
    agent = User.objects.get(email="bench-agent0@podpora.test")
    ticket = _ticket_with_ten_messages()
    clients = {}
    for user in (supervisor, agent):
        client = Client()
        client.force_login(user)
        clients[user.pk] = client

    def get(user, url):
        def run():
            response = clients[user.pk].get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    team = Team.objects.filter(name__startswith="Bench").first()
    pages = {
        "baseline static template": get(supervisor, "/bench-baseline/"),
        "queue page, all open, priority=high, sorted by created": get(
            supervisor, "/desk/queues/open/?priority=3&sort=-created"
        ),
        "queue page, agent's unassigned in her teams": get(
            agent, "/desk/queues/unassigned/"
        ),
        "queue page, team queue sorted by number, page 3": get(
            supervisor, f"/desk/teams/{team.pk}/?sort=number&page=3"
        ),
        "ticket page (10 messages)": get(supervisor, f"/desk/tickets/{ticket.number}/"),
    }
    teams = list(Team.objects.filter(is_active=True))
    team_ids = queues.team_ids_of(agent)

    def counts():
        # Forgotten, then computed (and cached again for the page runs).
        queues.forget_counts(supervisor)
        queues.forget_counts(agent)
        queues.sidebar_counts(supervisor, teams, [])
        queues.sidebar_counts(agent, teams[:1], team_ids)

    queue = pages["queue page, all open, priority=high, sorted by created"]
    pages["sidebar counts, uncached (supervisor + agent)"] = counts
    pages["queue page with uncached counts"] = lambda: (
        queues.forget_counts(supervisor),
        queue(),
    )
    results: dict[str, float] = _interleaved_medians(pages, repeat)
    with CaptureQueriesContext(connection) as captured:
        pages["queue page, all open, priority=high, sorted by created"]()
    results["queries on the queue page"] = len(captured.captured_queries)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("This benchmark needs PostgreSQL (--database-url postgres://…).")
    _setup(args.database_url)
    _people()
    sizes = [int(s) for s in args.sizes.split(",")]
    by_size = {}
    for size in sizes:
        started = time.perf_counter()
        _fill(size)
        print(
            f"# {size:,} tickets ready ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        by_size[size] = _measure(size, args.repeat)
        baseline = by_size[size]["baseline static template"]
        for name, value in by_size[size].items():
            if name.startswith("queries"):
                print(f"{size:>9,} tickets  {name}: {value:.0f}")
            elif name.startswith("baseline"):
                print(f"{size:>9,} tickets  {name}: {value:.2f} ms median")
            else:
                print(
                    f"{size:>9,} tickets  {name}: {value:.2f} ms median "
                    f"({value / baseline:.2f}× baseline)"
                )
    if len(sizes) > 1:
        small, large = by_size[sizes[0]], by_size[sizes[-1]]
        for name in small:
            if name.startswith(("baseline", "queries")):
                continue
            raw = large[name] / small[name]
            # The machine may be busier during one size than the other: the
            # ratio of the baseline-relative figures cancels that out.
            relative = (large[name] / large["baseline static template"]) / (
                small[name] / small["baseline static template"]
            )
            print(
                f"ratio {sizes[-1]:,}/{sizes[0]:,} tickets  {name}: "
                f"{relative:.2f} (raw {raw:.2f})"
            )


if __name__ == "__main__":
    main()
