"""Median time of the customer portal's ticket list with many tickets.

Creates a throwaway database, fills it with ``--tickets`` sample tickets
(``podpora.core.sample_data``, as ``bench/gen_tickets.py``), then times, through
Django's test client with the full middleware stack:

- a manager's "My organisation's tickets" (25 rows, newest update first),
- the same filtered to unresolved tickets and searched by subject,
- a member's "My tickets",
- a minimal view rendering a static template (the baseline; same run).

Prints one line: each page's median and its ratio to the baseline, the pages
and the baseline timed in turn so that the machine's load weighs on all alike.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/portal_pages.py --tickets 100000
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
os.environ.setdefault("PODPORA_TEST_DB_NAME", f"bench_portal_{os.getpid()}")
os.environ.setdefault(
    "PODPORA_TASK_BACKEND", "django.tasks.backends.dummy.DummyBackend"
)

import django

django.setup()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_databases,
    teardown_databases,
)
from django.urls import include, path  # noqa: E402


def static_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/too_many.html")


urlpatterns = [
    path("bench/static/", static_page),
    path("", include("podpora.urls")),
]


def _fill(total: int) -> tuple[object, object]:
    """The project's sample data (``bench/gen_tickets.py``), then a manager for
    the client with the most tickets and that client's busiest requester."""
    from django.db.models import Count

    from podpora.accounts.models import Membership, MembershipRole, Organization, User
    from podpora.core.sample_data import generate_tickets
    from podpora.tickets.models import Ticket

    generate_tickets(total, seed=7, days=365)
    busiest = (
        Ticket.objects.exclude(organization=None)
        .values("organization")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    organization = Organization.objects.get(pk=busiest["organization"])
    manager = User.objects.create_user("bench-manager@example.test", "pw")
    Membership.objects.create(
        user=manager, organization=organization, role=MembershipRole.MANAGER
    )
    top_requester = (
        Ticket.objects.filter(organization=organization)
        .values("requester")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    member = User.objects.get(pk=top_requester["requester"])
    print(
        f"# {organization.name}: {busiest['n']} tickets; "
        f"{member.email}: {top_requester['n']}",
        file=sys.stderr,
    )
    return manager, member


def _interleaved_medians(
    runs: dict[str, tuple[Client, str]], repeat: int
) -> dict[str, float]:
    """Median per page, the pages taken in turn so that a busy moment on a
    shared machine weighs on all of them and on the baseline alike."""
    for client, url in runs.values():
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
    timings: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeat):
        for label, (client, url) in runs.items():
            start = time.perf_counter()
            client.get(url)
            timings[label].append((time.perf_counter() - start) * 1000)
    return {label: statistics.median(values) for label, values in timings.items()}


def _explain(client: Client, url: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    for query in captured.captured_queries:
        if "tickets_ticket" not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"-- {url}\n{query['sql']}\n{plan}\n", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--explain", action="store_true", help="print the query plans of each page"
    )
    args = parser.parse_args()

    # No setup_test_environment(): it instruments every template render to
    # record contexts for tests, which would be timed along with the page.
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        with override_settings(
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["testserver"],
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ):
            started = time.perf_counter()
            manager, member = _fill(args.tickets)
            from django.db import connection

            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(
                f"# {args.tickets} tickets on {connection.vendor} "
                f"filled in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            manager_client, member_client = Client(), Client()
            manager_client.force_login(manager)
            member_client.force_login(member)
            pages = {
                "organisation list": (manager_client, "/portal/?scope=organization"),
                "organisation unresolved+search": (
                    manager_client,
                    "/portal/?scope=organization&status=active&q=drukark",
                ),
                "my tickets": (member_client, "/portal/"),
            }
            if args.explain:
                for client, url in pages.values():
                    _explain(client, url)
            medians = _interleaved_medians(
                {"baseline": (manager_client, "/bench/static/"), **pages}, args.runs
            )
            baseline = medians.pop("baseline")
            figures = [
                f"{label} {median:.0f} ms ({median / baseline:.1f}x)"
                for label, median in medians.items()
            ]
            print(
                f"portal pages at {args.tickets} tickets, median: "
                + ", ".join(figures)
                + f"; static template {baseline:.1f} ms"
            )
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
