"""``/healthz`` reports the database and Redis separately, and fast."""

import json
import subprocess
import sys
import time

import pytest

from tests.core.processes import REPO, environment, free_port
from tests.tickets.disks import tiny_file_system

pytestmark = pytest.mark.django_db


def test_without_redis_the_database_alone_is_checked(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["redis"]["status"] == "not_configured"


def test_a_running_redis_is_reported_ok(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    body = client.get("/healthz").json()
    assert (body["status"], body["redis"]["status"]) == ("ok", "ok")


def test_redis_down_is_reported_quickly_while_the_database_is_fine(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2
    # Still serving: writes commit without Redis.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["redis"]["status"] == "down"
    assert body["database"]["status"] == "ok"


def test_a_database_that_is_gone_is_a_quick_503():
    # A fresh process whose database is a PostgreSQL port nobody listens on.
    script = (
        "import time, django; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='127.0.0.1'); c.get('/healthz'); "  # loads the URLs
        "started = time.monotonic(); r = c.get('/healthz'); "
        "print(r.status_code, time.monotonic() - started, r.content.decode())"
    )
    url = f"postgres://podpora@127.0.0.1:{free_port()}/podpora"
    output = (
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            env=environment(
                DJANGO_SETTINGS_MODULE="podpora.settings", DATABASE_URL=url
            ),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    status, seconds, body = output.split(" ", 2)
    assert status == "503"
    assert float(seconds) < 2
    answer = json.loads(body)
    assert answer["status"] == "down"
    assert answer["database"]["status"] == "down"
    assert answer["redis"]["status"] == "not_configured"


def test_free_space_of_the_media_storage_is_reported(client, settings):
    settings.REDIS_URL = ""
    settings.PODPORA_DISK_WARN_BYTES = 1
    body = client.get("/healthz").json()
    disk = body["disk"]
    assert disk["status"] == "ok"
    assert 0 < disk["free_bytes"] <= disk["total_bytes"]
    assert 5 <= disk["free_percent"] <= 100
    assert body["status"] == "ok"


def test_a_media_disk_under_the_warning_size_makes_the_service_degraded(
    client, settings, tmp_path
):
    settings.REDIS_URL = ""
    with tiny_file_system(tmp_path / "tiny", size="64k") as root:
        settings.MEDIA_ROOT = root / "media"  # not made yet: its file system counts
        response = client.get("/healthz")
    assert response.status_code == 200  # still serving: only uploads fail
    body = response.json()
    assert body["status"] == "degraded"
    assert body["disk"]["status"] == "low"
    assert body["disk"]["free_bytes"] == body["disk"]["total_bytes"] == 64 * 1024
    assert body["disk"]["free_percent"] == 100.0


def test_a_disk_nearly_full_in_percent_is_low_whatever_its_size(
    client, settings, tmp_path
):
    settings.REDIS_URL = ""
    settings.PODPORA_DISK_WARN_BYTES = 0
    with tiny_file_system(tmp_path / "tiny", size="1m") as root:
        settings.MEDIA_ROOT = root
        (root / "filler").write_bytes(b"x" * (1024 * 1024 - 16 * 1024))
        disk = client.get("/healthz").json()["disk"]
    assert disk["status"] == "low"
    assert disk["free_percent"] < 5


def test_a_search_index_missing_tickets_is_degraded_until_rebuilt(
    client, anna, open_ticket_for
):
    from django.core.management import call_command

    from podpora.search.index import remove_all

    open_ticket_for(anna, "Drukarka nie drukuje")
    assert client.get("/healthz").json()["search"]["status"] == "ok"

    remove_all()
    response = client.get("/healthz")
    assert response.status_code == 200  # still serving: numbers are found
    assert response.json()["status"] == "degraded"
    assert response.json()["search"]["status"] == "incomplete"

    call_command("search", "reindex")
    assert client.get("/healthz").json()["search"]["status"] == "ok"
