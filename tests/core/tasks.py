from pathlib import Path

from django.tasks import task

RUNS: list[int] = []


@task
def tick() -> None:
    RUNS.append(1)


@task
def write_marker(path: str, text: str) -> str:
    """Proves a worker in another process ran the task: it leaves a file."""
    Path(path).write_text(text)
    return text
