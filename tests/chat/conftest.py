import pytest

from podpora.chat.models import ChatWidget

SHOP = "https://shop.kowalski.pl"


def _shop_widget(name, team, organization):
    return ChatWidget.objects.create(
        name=name,
        allowed_origins=SHOP,
        team=team,
        organization=organization,
        language="pl",
    )


@pytest.fixture
def widget(db, service_desk, org_a):
    return _shop_widget("Kowalski shop", service_desk, org_a)


@pytest.fixture
def infra_widget(db, infrastructure, org_a):
    """A widget answered by the Infrastructure team (Petra's, not Tomasz's)."""
    return _shop_widget("Kowalski servers", infrastructure, org_a)


@pytest.fixture
def available_tomasz(tomasz):
    tomasz.availability = "available"
    tomasz.save()
    return tomasz


# --- real server processes ------------------------------------------------------

import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.request import urlopen  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The URL of the test database, for server processes started by a test."""
    params = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{params['USER'] or 'postgres'}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    return f"sqlite:///{params['NAME']}"


def redis_available() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


class Server:
    def __init__(self, port: int, process: subprocess.Popen) -> None:
        self.port = port
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"
        self.log: Path | None = None


@pytest.fixture
def start_server(tmp_path):
    """Start ``podpora serve`` processes against the test database."""
    started: list[Server] = []

    def start(**env: str) -> Server:
        port = _free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "PODPORA_SECRET_KEY": settings.SECRET_KEY,
            "PODPORA_DATA_DIR": str(tmp_path / f"server-{port}"),
            "PODPORA_BASE_URL": f"http://127.0.0.1:{port}",
            **env,
        }
        log = (tmp_path / f"server-{port}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "podpora.cli", "serve", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            process.kill()
            raise RuntimeError(
                (tmp_path / f"server-{port}.log").read_text(errors="replace")
            )
        server = Server(port, process)
        server.log = tmp_path / f"server-{port}.log"
        started.append(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
        if os.environ.get("PODPORA_SHOW_SERVER_OUTPUT"):
            print(server.log.read_text(errors="replace") if server.log else "")


@pytest.fixture
def redis_prefix():
    if not redis_available():
        pytest.fail(
            "Redis is not running on 127.0.0.1:6379 (scripts/test and CI start it)"
        )
    prefix = f"podpora-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    forget_redis_keys(prefix)


def forget_redis_keys(prefix: str) -> None:
    """Deletes this test run's keys only: the Redis is shared."""
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def signed_in_page(browser, server: Server, user):
    """A browser tab of ``server`` signed in as ``user`` (English, a longer
    timeout for real processes)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="en-US")
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page
