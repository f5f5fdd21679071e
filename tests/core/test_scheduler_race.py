"""Several scheduler processes, one due run: it is enqueued exactly once."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from podpora.core.models import JobLease
from tests.core.processes import REPO, environment

SCHEDULERS = 3


@pytest.mark.django_db(transaction=True)
def test_schedulers_racing_for_the_same_due_run_enqueue_it_once(tmp_path):
    now = timezone.now()
    JobLease.objects.create(name="race", next_run_at=now - timedelta(minutes=5))
    go = tmp_path / "go"
    env = environment(PODPORA_TASK_BACKEND="django_tasks_db.DatabaseBackend")
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.core.scheduler_racer",
                str(go),
                f"scheduler-{i}",
                now.isoformat(),
            ],
            cwd=REPO,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(SCHEDULERS)
    ]
    try:
        for racer in racers:
            assert racer.stdout.readline().strip() == "ready"
        go.touch()
        outputs = [racer.communicate(timeout=60) for racer in racers]
        outcomes = [out.strip() or err for out, err in outputs]
    finally:
        for racer in racers:
            racer.kill()
    assert sorted(outcomes) == ["lost"] * (SCHEDULERS - 1) + ["won"], outcomes
    assert DBTaskResult.objects.filter(task_path="tests.core.tasks.tick").count() == 1
    lease = JobLease.objects.get(name="race")
    assert lease.next_run_at == now + timedelta(hours=1)
    assert lease.last_claimed_by.startswith("scheduler-")
