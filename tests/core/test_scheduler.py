from datetime import timedelta

import pytest
from django.utils import timezone

from podpora.core import scheduler
from podpora.core.models import JobLease

pytestmark = pytest.mark.django_db

JOB = scheduler.PeriodicJob(
    name="test-job", every=timedelta(minutes=1), task="tests.core.tasks.tick"
)


def test_a_due_run_is_claimed_once_and_the_next_run_moves_forward():
    now = timezone.now()
    assert scheduler.claim(JOB, now=now, worker="one") is True
    assert scheduler.claim(JOB, now=now, worker="two") is False
    lease = JobLease.objects.get(name="test-job")
    assert lease.next_run_at == now + JOB.every
    assert lease.last_claimed_by == "one"
    assert scheduler.claim(JOB, now=now + JOB.every, worker="two") is True


def test_run_due_jobs_enqueues_registered_jobs(monkeypatch):
    from tests.core import tasks

    monkeypatch.setattr(scheduler, "_registry", {"test-job": JOB})
    monkeypatch.setattr(scheduler, "_discovered", True)
    tasks.RUNS.clear()
    now = timezone.now()
    assert scheduler.run_due_jobs(now=now, worker="a") == ["test-job"]
    assert scheduler.run_due_jobs(now=now, worker="b") == []
    assert tasks.RUNS == [1]


def test_a_job_that_cannot_be_enqueued_stays_due_and_does_not_block_the_others(
    monkeypatch,
):
    from tests.core import tasks

    broken = scheduler.PeriodicJob(
        name="broken", every=timedelta(minutes=1), task="tests.core.tasks.missing"
    )
    monkeypatch.setattr(scheduler, "_registry", {"broken": broken, "test-job": JOB})
    monkeypatch.setattr(scheduler, "_discovered", True)
    tasks.RUNS.clear()
    now = timezone.now()
    assert scheduler.run_due_jobs(now=now, worker="a") == ["test-job"]
    assert tasks.RUNS == [1]
    assert not JobLease.objects.filter(name="broken", next_run_at__gt=now).exists()
