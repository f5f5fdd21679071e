"""The ``podpora`` command: what it lists, and ``run`` as one process group."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from podpora.cli import COMMANDS
from tests.core.processes import REPO, free_port


def _podpora(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "podpora.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_every_command_with_one_line_each():
    result = _podpora("--help")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "usage: podpora <command> [options]"
    for name in ("run", "serve", "worker", "scheduler", "demo", "createadmin", "check"):
        described = [line for line in lines if line.split()[:1] == [name]]
        assert len(described) == 1, name
        assert len(described[0].split()) > 3, described


def test_podpora_without_arguments_prints_the_same_help():
    assert _podpora().stdout == _podpora("--help").stdout


@pytest.mark.parametrize("name", [n for n in COMMANDS if n != "manage"])
def test_every_listed_command_exists_and_explains_its_options(name):
    result = _podpora(name, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


# --- podpora run -------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc, Linux)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces or brackets: fields follow the last ")".
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_health(url: str, process: subprocess.Popen[str], seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"podpora run exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.load(response)
        except OSError:
            time.sleep(0.3)
    pytest.fail("podpora run did not answer /healthz in time")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    # Shared by the runs below so that only the first one migrates from scratch.
    return tmp_path_factory.mktemp("podpora-run")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "signum"),
    [("ctrl-c", signal.SIGINT), ("service-stop", signal.SIGTERM)],
)
def test_run_serves_healthz_and_a_stop_signal_ends_every_child(data_dir, how, signum):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "PODPORA_TASK_BACKEND"}
    }
    env["PODPORA_DATA_DIR"] = str(data_dir)
    run = subprocess.Popen(
        [sys.executable, "-m", "podpora.cli", "run", "--port", str(port)],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's job
    )
    try:
        health = _wait_for_health(f"http://127.0.0.1:{port}/healthz", run, 180)
        assert health["status"] == "ok"
        assert health["database"]["vendor"] == "sqlite"
        children = _children(run.pid)
        assert len(children) >= 3  # web, worker, scheduler
        if how == "ctrl-c":
            # A terminal's Ctrl-C reaches the whole foreground process group.
            os.killpg(run.pid, signum)
        else:
            run.send_signal(signum)
        output, _ = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 0, output
    assert f"Podpora is running on http://127.0.0.1:{port}/" in output
    assert "Podpora stopped." in output
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)], "orphaned processes"
