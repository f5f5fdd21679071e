"""One scheduler tick in its own process, started by a file appearing.

Run by ``test_scheduler_race``: several of these wait at the same line, then
all try to claim the same due run at once.
"""

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import django


def main() -> None:
    go, name, now = Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])
    django.setup()
    from django.db import connection

    from podpora.core import scheduler

    # Only the test's job, not the apps' real ones.
    scheduler._registry.clear()
    scheduler._discovered = True
    scheduler.register(
        scheduler.PeriodicJob(
            name="race", every=timedelta(hours=1), task="tests.core.tasks.tick"
        )
    )
    connection.ensure_connection()
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    started = scheduler.run_due_jobs(now=now, worker=name)
    print("won" if started == ["race"] else "lost", flush=True)


if __name__ == "__main__":
    main()
