import time
from pathlib import Path

from django.tasks import task

from podpora.core.reaper import retry_safe

RUNS: list[int] = []


@task
def tick() -> None:
    RUNS.append(1)


@task
def write_marker(path: str, text: str) -> str:
    """Proves a worker in another process ran the task: it leaves a file."""
    Path(path).write_text(text)
    return text


@task
def ask_the_database(path: str) -> int:
    """Proves the worker's database connection works: it leaves the answer of
    a query (no table needed) in a file."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        answer = cursor.fetchone()[0]
    Path(path).write_text(str(answer))
    return int(answer)


@retry_safe
@task
def slow_first_time(folder: str) -> str:
    """The first run leaves ``started`` and then hangs (to be killed); a run
    after that leaves ``done`` at once. Safe to retry."""
    started = Path(folder) / "started"
    if not started.exists():
        started.write_text("1")
        time.sleep(600)
    (Path(folder) / "done").write_text("1")
    return "done"


@task
def not_retried(folder: str) -> None:
    (Path(folder) / "ran").write_text("1")
