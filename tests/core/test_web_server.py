"""The web server as people meet it: a real ``podpora serve`` process started
by the test, speaking HTTP and WebSockets on one port.

HTTP runs through Django's WSGI application on a pool of threads
(``podpora.core.web``); downloads stream in constant memory; a burst larger
than the threads is answered with a quick 503 and ``Retry-After``, never an
error or a long wait; SQLite is served by one web process."""

import asyncio
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import urlopen

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse
from websockets.sync.client import connect

from podpora.accounts.models import User
from podpora.tickets import services
from podpora.tickets.models import Ticket
from tests.conftest import PASSWORD
from tests.core.processes import REPO, environment, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class _Server:
    def __init__(self, port: int, process: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"

    def memory_kib(self, field: str) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]

    def reset_peak_memory(self) -> None:
        # Linux: VmHWM starts again from the current VmRSS.
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")


@pytest.fixture
def serve(tmp_path) -> Iterator:
    started: list[tuple[_Server, Path]] = []

    def start(**env: str) -> _Server:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "podpora.cli", "serve", "--port", str(port)],
            cwd=REPO,
            env=environment(
                PODPORA_DATA_DIR=str(tmp_path / f"data-{port}"),
                # Sessions made by the test are signed with the same key.
                PODPORA_SECRET_KEY=settings.SECRET_KEY,
                # Files stored by the test are served from the same place.
                PODPORA_MEDIA_ROOT=str(settings.MEDIA_ROOT),
                PODPORA_BASE_URL=f"http://127.0.0.1:{port}",
                PODPORA_MAX_ATTACHMENT_BYTES=str(64 * 2**20),
                **env,
            ),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        server = _Server(port, process)
        started.append((server, log))
        deadline = time.monotonic() + 120
        while True:
            try:
                with urlopen(f"{server.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return server
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text(errors="replace"))
            time.sleep(0.2)

    yield start
    for server, log in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        output = log.read_text(errors="replace")
        # No request ended in an unhandled error in the server.
        assert "Traceback" not in output, output


def _session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_one_port_serves_pages_static_files_the_api_and_websockets(
    serve, token_for, tomasz, adam
):
    server = serve()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        login = client.get("/accounts/login/", headers={"Accept-Language": "pl"})
        assert login.status_code == 200
        assert login.headers["Content-Language"] == "pl"
        assert login.headers["X-Content-Type-Options"] == "nosniff"
        assert "<form" in login.text

        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login.text)
        assert stylesheet is not None
        static = client.get(stylesheet.group(1))
        assert static.status_code == 200
        assert static.headers["Content-Type"].startswith("text/css")

        client.cookies.set("sessionid", _session_cookie(tomasz).split("=", 1)[1])
        home = client.get("/", follow_redirects=True)
        assert home.status_code == 200
        assert "Tomasz" in home.text

        created = client.post(
            "/api/v1/tickets",
            headers={"Authorization": f"Bearer {token_for(tomasz)}"},
            json={
                "subject": "Nie działa VPN",
                "body_text": "Od rana.",
                "requester_id": adam.pk,
            },
        )
        assert created.status_code == 201, created.text
        assert Ticket.objects.get(number=created.json()["number"]).requester == adam

        assert client.get("/no-such-page/").status_code == 404

    # WebSockets on the same port, beside HTTP.
    with connect(
        f"{server.ws}/ws/desk/",
        origin=server.url,
        additional_headers={"Cookie": _session_cookie(tomasz)},
    ) as desk:
        desk.send(json.dumps({"type": "view", "ticket": 999999}))
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
        desk.ping().wait(10)


def test_downloads_and_exports_stream_in_constant_memory(
    serve, settings, token_for, tomasz, sylwia, adam, open_ticket_for
):
    subjects = [f"Drukarka nr {n} nie drukuje" for n in range(30)]
    for subject in subjects:
        open_ticket_for(adam, subject)
    size = 48 * 2**20
    settings.PODPORA_MAX_ATTACHMENT_BYTES = size
    content = os.urandom(size)
    ticket = services.open_ticket(
        subject="Zrzut pamięci",
        body_text="W załączniku.",
        requester=adam,
        channel="portal",
        files=[services.IncomingFile("zrzut.bin", content)],
    )
    attachment = ticket.attachments.get()
    del content
    server = serve()
    headers = {"Authorization": f"Bearer {token_for(tomasz)}"}
    path = f"/api/v1/attachments/{attachment.pk}/content"

    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        client.get("/api/v1/ping")  # the thread's set-up is not the download's
        server.reset_peak_memory()
        before = server.memory_kib("VmRSS")
        received = 0
        parts = 0
        with client.stream("GET", path) as answer:
            assert answer.status_code == 200
            assert answer.headers["Content-Length"] == str(size)
            assert answer.headers["Content-Disposition"] == (
                'attachment; filename="zrzut.bin"'
            )
            for part in answer.iter_raw():
                received += len(part)
                parts += 1
        peak = server.memory_kib("VmHWM") - before

        # A client that leaves after the first megabyte: the server carries on.
        with client.stream("GET", path) as answer:
            for part in answer.iter_raw():
                if part:
                    break
        assert client.get("/api/v1/ping").status_code == 200

    assert received == size
    assert parts > 1
    # The server held a few chunks of the file at a time, not the file.
    assert peak * 1024 < size / 8, f"the server grew by {peak} KiB"

    # A report export is written row by row as it is read from the database.
    export = httpx.get(
        server.url + reverse("reports:export", args=["csv"]),
        headers={"Cookie": _session_cookie(sylwia)},
        timeout=60,
    )
    assert export.status_code == 200, export.text[:500]
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "Content-Length" not in export.headers  # streamed, not buffered
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    listed = {row[1] for row in rows if len(row) > 1 and row[1] in subjects}
    assert listed == set(subjects)


async def _burst(url: str, count: int, email: str) -> list[httpx.Response]:
    form = httpx.get(f"{url}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None
    # A connection of its own for each sign-in, opened at once.
    async with httpx.AsyncClient(
        base_url=url,
        cookies=form.cookies,
        timeout=httpx.Timeout(30),
        limits=httpx.Limits(max_connections=count),
    ) as client:

        async def sign_in() -> httpx.Response:
            return await client.post(
                "/accounts/login/",
                data={
                    "csrfmiddlewaretoken": token.group(1),
                    "username": email,
                    "password": PASSWORD,
                },
                headers={"Referer": f"{url}/accounts/login/"},
            )

        return await asyncio.gather(*(sign_in() for _ in range(count)))


async def _api_burst(url: str, count: int, token: str) -> list[httpx.Response]:
    async with httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(30),
        limits=httpx.Limits(max_connections=count),
    ) as client:
        return await asyncio.gather(
            *(client.get("/api/v1/tickets") for _ in range(count))
        )


def test_a_burst_gets_answers_or_a_quick_503_never_an_error(serve, tomasz, token_for):
    # The hasher a real install signs in with (the tests' own is MD5).
    tomasz.password = PBKDF2PasswordHasher().encode(PASSWORD, "burstsalt0123456")
    tomasz.save(update_fields=["password"])
    server = serve(PODPORA_WEB_THREADS="2", PODPORA_WEB_QUEUE_TIMEOUT="1")

    token = token_for(tomasz)

    async def both() -> tuple[list[httpx.Response], list[httpx.Response]]:
        return await asyncio.gather(
            _burst(server.url, 60, tomasz.email),
            _api_burst(server.url, 20, token),
        )

    started = time.monotonic()
    # On a thread of its own: a browser test before this one in the same
    # process may have left its event loop running on this thread.
    with ThreadPoolExecutor(1) as thread:
        answers, api = thread.submit(asyncio.run, both()).result()
    took = time.monotonic() - started

    statuses = sorted({answer.status_code for answer in answers})
    assert set(statuses) <= {302, 503}, statuses
    signed_in = [answer for answer in answers if answer.status_code == 302]
    busy = [answer for answer in answers if answer.status_code == 503]
    assert signed_in, "nobody got through"
    assert busy, f"60 sign-ins on 2 threads all waited ({took:.1f} s)"
    for answer in busy:
        assert answer.headers["Retry-After"].isdigit()
        assert "busy" in answer.text
    # The server is itself again at once.
    assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200

    # An API client is told so in the API's JSON.
    assert {answer.status_code for answer in api} <= {200, 503}
    busy = [answer for answer in api if answer.status_code == 503]
    assert busy
    assert busy[0].json()["code"] == "busy"
    assert busy[0].headers["Retry-After"].isdigit()


def test_sqlite_is_served_by_one_web_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "podpora.cli", "serve", "--workers", "2"],
        cwd=REPO,
        env=environment(
            DATABASE_URL=f"sqlite:///{tmp_path / 'one.sqlite3'}",
            PODPORA_DATA_DIR=str(tmp_path),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SQLite is served by one web process" in result.stderr
