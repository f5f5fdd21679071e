"""Fill a database with N realistic tickets and print the rate.

    python bench/gen_tickets.py 100000 [--seed 1] [--days 90]

Uses DATABASE_URL (the embedded SQLite database when unset) and migrates it
first if needed. The baseline, measured in the same run and rolled back, is
the ordinary write path: tickets opened and answered one by one through
``tickets.services``.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")

BASELINE_TICKETS = 100


class _Rollback(Exception):
    pass


def _baseline_rate() -> float:
    """Tickets per second through the services (open + one reply), rolled back."""
    from django.db import transaction

    from podpora.accounts.models import Membership, User
    from podpora.tickets import services

    membership = Membership.objects.select_related("user").order_by("pk").first()
    agent = User.objects.filter(agent_role="agent").order_by("pk").first()
    if membership is None or agent is None:
        return 0.0
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for i in range(BASELINE_TICKETS):
                ticket = services.open_ticket(
                    subject=f"Baseline {i}",
                    body_text="Drukarka nie drukuje.",
                    requester=membership.user,
                    channel="email",
                )
                services.add_reply(ticket, author=agent, body_text="Sprawdzamy.")
            raise _Rollback
    except _Rollback:
        pass
    return BASELINE_TICKETS / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tickets", type=int, help="how many tickets to add")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from podpora.core.sample_data import ensure_world, generate_tickets_with_stats

    call_command("migrate", interactive=False, verbosity=0)
    ensure_world()
    baseline = _baseline_rate()

    def progress(done: int) -> None:
        if done % 50_000 == 0 or done == args.tickets:
            rate = done / (time.perf_counter() - started)
            print(f"  {done} tickets, {rate:.0f}/s", file=sys.stderr, flush=True)

    started = time.perf_counter()
    stats = generate_tickets_with_stats(
        args.tickets, seed=args.seed, days=args.days, progress=progress
    )
    elapsed = time.perf_counter() - started
    rate = stats.tickets / elapsed if elapsed else 0.0
    ratio = f"{rate / baseline:.0f}x" if baseline else "n/a"
    print(
        f"gen_tickets [{connection.vendor}]: {stats.tickets} tickets in {elapsed:.1f} s "
        f"= {rate:.0f} tickets/s ({ratio} the services' {baseline:.0f}/s); "
        f"{stats.messages} messages, {stats.events} events inserted"
    )


if __name__ == "__main__":
    main()
