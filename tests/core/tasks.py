from django.tasks import task

RUNS: list[int] = []


@task
def tick() -> None:
    RUNS.append(1)
