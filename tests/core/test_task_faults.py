"""Faults that must lose no task: Redis down when a write commits, a database
restart under the Redis worker, a worker killed in the middle of a task."""

import json
import signal
import time
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from podpora.core import outbox, reaper
from podpora.core.models import PendingTask, WorkerBeat
from podpora.integrations.models import DeliveryStatus, Webhook, WebhookDelivery
from tests.core import tasks
from tests.core.processes import Output, environment, podpora
from tests.core.servers import PG_BIN, OwnPostgres, OwnRedis
from tests.integrations.conftest import Receiver


def _wait_for(check, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.1)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def redis_tasks(settings, own_redis):
    """Tasks through the test's own Redis, here and in the processes the test
    starts (``env``)."""
    prefix = f"podpora-test-{uuid.uuid4().hex[:8]}"
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": [],
            "OPTIONS": {
                "REDIS_URL": own_redis.url,
                "REDIS_KEY_PREFIX": f"{prefix}:tasks",
            },
        }
    }
    own_redis.env = environment(
        REDIS_URL=own_redis.url, PODPORA_REDIS_KEY_PREFIX=prefix
    )
    return own_redis


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def _run(*args: str, env: dict[str, str]) -> str:
    process = podpora(*args, env=env)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


# --- Redis down: the write commits, the task waits in the database ------------------


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_ticket_opened_over_the_api_is_created_and_its_webhook_goes_out_once_redis_is_back(
    redis_tasks, receiver, api_as, adam
):
    Webhook.objects.create(
        name="Chat",
        url=receiver.url,
        secret="s3cret",
        events=["ticket.created"],
        allow_internal=True,
    )
    redis_tasks.kill()

    response = api_as(adam).post(
        "/api/v1/tickets",
        {"subject": "Drukarka nie drukuje", "body_text": "Od rana."},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    number = response.json()["number"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    kept = PendingTask.objects.get()
    assert kept.task_path == "podpora.integrations.tasks.deliver_webhook"
    assert kept.args == [str(delivery.pk)]
    health = Client().get("/healthz").json()
    assert health["tasks"]["status"] == "waiting"
    assert health["tasks"]["kept"] == 1

    # While Redis is still down a drain keeps the task and says why.
    assert outbox.drain() == 0
    kept.refresh_from_db()
    assert kept.attempts == 1
    assert "Connection" in kept.last_error

    redis_tasks.start()
    # The scheduler enqueues the drain job, the worker runs it, and the
    # webhook task it enqueues.
    assert "core.drain_outbox" in _run("scheduler", "--once", env=redis_tasks.env)
    _run("worker", "--batch", env=redis_tasks.env)
    assert not PendingTask.objects.exists()
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0]["body"])["ticket"]["number"] == number
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED

    # Once: another drain and another worker send nothing more.
    assert outbox.drain() == 0
    _run("worker", "--batch", env=redis_tasks.env)
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_with_redis_up_the_task_is_enqueued_at_once_and_nothing_is_kept(
    redis_tasks, receiver, api_as, adam
):
    Webhook.objects.create(
        name="Chat",
        url=receiver.url,
        secret="s3cret",
        events=["ticket.created"],
        allow_internal=True,
    )
    response = api_as(adam).post(
        "/api/v1/tickets",
        {"subject": "Drukarka nie drukuje", "body_text": "Od rana."},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert not PendingTask.objects.exists()
    assert outbox.drain() == 0
    _run("worker", "--batch", env=redis_tasks.env)
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_neither_enqueues_nor_keeps_its_task(redis_tasks, tmp_path):
    redis_tasks.kill()

    def write_that_fails() -> None:
        with transaction.atomic():
            outbox.enqueue_after_commit(tasks.write_marker, str(tmp_path / "x"), "no")
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        write_that_fails()
    assert not PendingTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_kept_task_keeps_its_queue_priority_and_keyword_arguments(
    redis_tasks, tmp_path
):
    marker = tmp_path / "ran"
    redis_tasks.kill()
    with transaction.atomic():
        outbox.enqueue_after_commit(
            tasks.write_marker.using(priority=7, queue_name="mail"),
            path=str(marker),
            text="kept",
        )
    kept = PendingTask.objects.get()
    assert (kept.queue_name, kept.priority, kept.kwargs["text"]) == ("mail", 7, "kept")
    redis_tasks.start()
    assert outbox.drain() == 1
    _run("worker", "--batch", "--queue", "mail", env=redis_tasks.env)
    assert marker.read_text() == "kept"


# --- the Redis worker and a database restart -----------------------------------------


@pytest.fixture
def own_postgres():
    if not PG_BIN:
        pytest.fail("PostgreSQL's server programs (initdb, pg_ctl) are needed")
    server = OwnPostgres().create()
    yield server
    server.destroy()


@pytest.mark.django_db(transaction=True)
def test_the_redis_worker_runs_the_next_task_after_the_database_restarts(
    redis_tasks, own_postgres, tmp_path
):
    env = {
        **redis_tasks.env,
        "DATABASE_URL": own_postgres.url,
        # The default pool too, whose idle connections the restart breaks.
        "PODPORA_DB_POOL": "1",
    }
    worker = podpora("worker", env=env)
    output = Output(worker)
    try:
        first = tasks.ask_the_database.enqueue(str(tmp_path / "first"))
        _wait_for(lambda: (tmp_path / "first").exists())

        own_postgres.restart()

        second = tasks.ask_the_database.enqueue(str(tmp_path / "second"))
        _wait_for(lambda: (tmp_path / "second").exists())
        assert worker.poll() is None, output.text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert (tmp_path / "second").read_text() == "42"
    for result in (first, second):
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL, output.text()


# --- the database backend: a worker killed mid-task ---------------------------------


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _a_minute_later() -> datetime:
    return timezone.now() + reaper.GONE_AFTER + timedelta(seconds=1)


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_was_killed_is_reaped_and_run_again(
    db_tasks, tmp_path, caplog
):
    result = tasks.slow_first_time.enqueue(str(tmp_path))
    worker = podpora("worker")
    output = Output(worker)
    try:
        _wait_for(lambda: (tmp_path / "started").exists())
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.RUNNING
        worker_id = row.worker_ids[-1]
        assert WorkerBeat.objects.filter(worker_id=worker_id).exists()
        # A long task of a live worker is left alone.
        DBTaskResult.objects.filter(pk=row.pk).update(
            started_at=timezone.now() - timedelta(minutes=5)
        )
        assert reaper.reap() == []
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # A minute without a beat: the worker is gone.
    with caplog.at_level("WARNING", logger="podpora.core.reaper"):
        reaped = reaper.reap(now=_a_minute_later())
    assert len(reaped) == 1, output.text()
    assert f"worker {worker_id} stopped" in caplog.text
    assert "enqueued again" in caplog.text
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "podpora.core.reaper.WorkerGone"
    again = DBTaskResult.objects.exclude(pk=row.pk).get()
    assert again.status == TaskResultStatus.READY
    assert again.task_path == row.task_path
    assert again.args_kwargs == row.args_kwargs
    # A second reaper finds nothing left.
    assert reaper.reap(now=_a_minute_later()) == []

    _run("worker", "--batch", env=environment())
    again.refresh_from_db()
    assert again.status == TaskResultStatus.SUCCESSFUL
    assert (tmp_path / "done").exists()


def _running(task_path: str, worker_id: str, started: timedelta) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": ["/nonexistent"], "kwargs": {}},
        task_path=task_path,
        worker_ids=[worker_id],
        queue_name="default",
        backend_name="default",
        started_at=timezone.now() - started,
    )


@pytest.mark.django_db
def test_a_gone_workers_task_not_declared_safe_to_retry_is_failed_but_not_run_again(
    db_tasks,
):
    row = _running(
        "tests.core.tasks.not_retried", "podpora:elsewhere:1:x", timedelta(minutes=2)
    )
    [line] = reaper.reap()
    assert "not retried" in line
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_task_running_past_the_claim_timeout_is_failed_without_a_second_run(
    db_tasks, settings
):
    settings.PODPORA_TASK_CLAIM_TIMEOUT = 600
    reaper.beat("podpora:here:1:alive")
    hung = _running(
        "tests.core.tasks.slow_first_time",
        "podpora:here:1:alive",
        timedelta(minutes=11),
    )
    # Another worker's (no heartbeat): judged by the time limit alone.
    foreign_young = _running(
        "tests.core.tasks.slow_first_time", "abcdef0123", timedelta(minutes=5)
    )
    [line] = reaper.reap()
    assert "still running after" in line
    assert "not retried" in line
    hung.refresh_from_db()
    foreign_young.refresh_from_db()
    assert hung.exception_class_path == "podpora.core.reaper.TaskRanTooLong"
    assert foreign_young.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_the_reaper_leaves_redis_tasks_to_redis(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": [],
            "OPTIONS": {"REDIS_URL": "redis://127.0.0.1:1/0"},
        }
    }
    assert reaper.reap() == []


def test_the_drain_and_the_reaper_are_periodic_jobs():
    from podpora.core import scheduler

    jobs = scheduler.all_jobs()
    assert jobs["core.drain_outbox"].task == "podpora.core.jobs.drain_outbox"
    assert jobs["core.reap_tasks"].task == "podpora.core.jobs.reap_tasks"


def test_worker_ids_name_the_worker_and_fit_the_database_worker():
    worker_id = reaper.new_worker_id()
    assert worker_id.startswith(reaper.WORKER_ID_PREFIX)
    assert len(worker_id) <= 64
