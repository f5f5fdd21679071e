"""How fast the agent desk answers as the ticket table grows.

Prints one figure line per measurement: the median time of the queue page
(50 rows, filtered and sorted), the sidebar counts (uncached), the ticket page
(10 messages), each at every size given, plus the ratio between sizes and the
ratio to a minimal Django view rendering a static template in the same run.

    .venv/bin/python bench/desk_pages.py                      # 100,000 tickets
    .venv/bin/python bench/desk_pages.py --sizes 100000,1000000

On PostgreSQL, create the database first
(``createdb -h 127.0.0.1 -U postgres podpora_bench_desk``); on SQLite give
``--database-url sqlite:////tmp/podpora_bench_desk.sqlite3``.
The data (``podpora.core.sample_data.generate_tickets``) is kept between runs
and topped up to each size, so a second run starts at once. Given one
database URL per size (comma-separated, in the order of ``--sizes``), each
size keeps its own database, and both can be measured again without
generating anything::

    .venv/bin/python bench/desk_pages.py --sizes 100000,1000000 \
        --database-url postgres://postgres@127.0.0.1:5432/podpora_bench_desk_100k,postgres://postgres@127.0.0.1:5432/podpora_bench_desk
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/podpora_bench_desk"

# Requests go through the full middleware stack; this URLconf adds the baseline.
urlpatterns: list = []


def _baseline(request):  # a minimal view rendering a static template
    from django.shortcuts import render

    return render(request, "accounts/password_reset_done.html")


def _use_database(database_url: str) -> None:
    """Point the default connection at another database (one per size)."""
    import dj_database_url
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connections

    connection = connections["default"]
    connection.close()
    if hasattr(connection, "close_pool"):  # a pool keeps the old database's
        connection.close_pool()
    connection.settings_dict.update(dj_database_url.parse(database_url))
    cache.clear()  # the sidebar's teams and counts belong to the other data
    call_command("migrate", verbosity=0)


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

SUPERVISOR = "sylwia@podpora.demo"  # sees every ticket
AGENT = "tomasz@podpora.demo"  # 1st line, Service Desk


def _fill(target: int) -> None:
    """Top the ticket table up to ``target`` rows with realistic tickets."""
    from podpora.core.sample_data import generate_tickets
    from podpora.tickets.models import Ticket

    have = Ticket.objects.count()
    if have < target:
        # A seed per starting size: topping up adds new tickets, not copies.
        generate_tickets(
            target - have,
            seed=have + 1,
            progress=lambda done: print(f"#   {have + done:,}", file=sys.stderr),
        )


def _ticket_with_ten_messages():
    from podpora.accounts.models import User
    from podpora.tickets import services
    from podpora.tickets.models import Ticket

    found = Ticket.objects.filter(subject="Bench ticket page").first()
    if found:
        return found
    supervisor = User.objects.get(email=SUPERVISOR)
    customer = (
        User.objects.filter(agent_role="", memberships__isnull=False)
        .order_by("pk")
        .first()
    )
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

    supervisor = User.objects.get(email=SUPERVISOR)
    agent = User.objects.get(email=AGENT)
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

    team = Team.objects.get(name="Service Desk")
    pages = {
        "baseline static template": get(supervisor, "/bench-baseline/"),
        "queue page, all open, priority=high, sorted by created": get(
            supervisor, "/desk/queues/open/?priority=3&sort=-created"
        ),
        "queue page, agent's unassigned in his teams": get(
            agent, "/desk/queues/unassigned/"
        ),
        "queue page, team queue sorted by number, page 3": get(
            supervisor, f"/desk/teams/{team.pk}/?sort=number&page=3"
        ),
        "ticket page (10 messages)": get(supervisor, f"/desk/tickets/{ticket.number}/"),
    }
    from podpora.desk.views.queues import sidebar_teams

    supervisor_teams = sidebar_teams(supervisor)
    agent_teams = sidebar_teams(agent)

    def counts():
        # Forgotten, then computed (and cached again for the page runs).
        queues.forget_counts(supervisor)
        queues.forget_counts(agent)
        queues.sidebar_counts(supervisor, *supervisor_teams)
        queues.sidebar_counts(agent, *agent_teams)

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
    sizes = [int(s) for s in args.sizes.split(",")]
    urls = args.database_url.split(",")
    if len(urls) not in (1, len(sizes)):
        sys.exit("Give one database URL, or one per size.")
    _setup(urls[0])
    by_size = {}
    for i, size in enumerate(sizes):
        if len(urls) > 1 and i > 0:
            _use_database(urls[i])
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
