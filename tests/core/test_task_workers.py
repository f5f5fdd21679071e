"""``podpora worker`` runs tasks in another process, for either backend."""

import subprocess
import sys
import time
import uuid

import pytest
from django.tasks import TaskResultStatus

from tests.core import tasks
from tests.core.outage import database_comes_back_later
from tests.core.processes import REPO, Output, answers, environment, podpora

REDIS_URL = "redis://127.0.0.1:6379/0"
redis_answers = answers("127.0.0.1", 6379)


def _settings_in_a_fresh_process(**env: str) -> str:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.TASKS['default']['BACKEND'])",
        ],
        cwd=REPO,
        env=environment(DJANGO_SETTINGS_MODULE="podpora.settings", **env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_tasks_stay_in_the_database_unless_redis_is_configured():
    assert _settings_in_a_fresh_process() == "django_tasks_db.DatabaseBackend"
    assert (
        _settings_in_a_fresh_process(REDIS_URL=REDIS_URL)
        == "django_tasks_redis.RedisTaskBackend"
    )
    assert (
        _settings_in_a_fresh_process(
            REDIS_URL=REDIS_URL, PODPORA_TASK_BACKEND="django_tasks_db.DatabaseBackend"
        )
        == "django_tasks_db.DatabaseBackend"
    )


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_task(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    marker = tmp_path / "ran"
    result = tasks.write_marker.enqueue(str(marker), "by the database worker")
    worker = podpora("worker", "--batch")
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert marker.read_text() == "by the database worker"
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "by the database worker"


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_a_database_outage_and_then_runs_the_queued_task(
    settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    marker = tmp_path / "ran"
    result = tasks.write_marker.enqueue(str(marker), "after the outage")
    with database_comes_back_later(tmp_path) as (url, come_back):
        # Without the pool a refused connection fails at once, not after
        # the pool's 30 s wait.
        worker = podpora(
            "worker", env=environment(DATABASE_URL=url, PODPORA_DB_POOL="0")
        )
        output = Output(worker)
        try:
            # Pauses of 1 s, then 2 s: still alive after two failed attempts.
            output.wait_for("The database cannot be reached", times=2)
            assert worker.poll() is None, output.text()
            come_back()
            deadline = time.monotonic() + 30
            while not marker.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert marker.read_text() == "after the outage", output.text()
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL


@pytest.fixture
def redis_tasks(settings):
    import redis

    prefix = f"podpora-test-{uuid.uuid4().hex[:8]}"
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": [],
            "OPTIONS": {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": f"{prefix}:tasks"},
        }
    }
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.mark.skipif(not redis_answers, reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_with_redis_configured_the_worker_runs_a_task_enqueued_through_redis(
    redis_tasks, tmp_path
):
    marker = tmp_path / "ran"
    result = tasks.write_marker.enqueue(str(marker), "by the Redis worker")
    assert result.status == TaskResultStatus.READY
    worker = podpora(
        "worker",
        "--batch",
        env=environment(REDIS_URL=REDIS_URL, PODPORA_REDIS_KEY_PREFIX=redis_tasks),
    )
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert "Redis task worker" in output
    assert marker.read_text() == "by the Redis worker"
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "by the Redis worker"


@pytest.mark.django_db(transaction=True)
def test_an_unknown_backend_gets_a_clear_error_instead_of_a_worker():
    worker = podpora(
        "worker",
        "--batch",
        env=environment(
            PODPORA_TASK_BACKEND="django.tasks.backends.dummy.DummyBackend"
        ),
    )
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode != 0
    assert (
        "No worker is known for the django.tasks.backends.dummy.DummyBackend" in output
    )
