"""``podpora run`` keeps its children alive: one that ends is started again
after a growing pause; a stop signal still ends every one of them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from podpora.core.management.commands.run import restart_delay
from tests.core.processes import REPO, Output, environment, free_port, podpora
from tests.core.test_cli import _alive, _children


def test_the_pause_before_a_restart_doubles_up_to_a_minute():
    assert [restart_delay(n) for n in range(1, 10)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]


SUPERVISE_A_CHILD_THAT_ENDS = """
import sys
from podpora.core.management.commands.run import supervise
supervise({"blink": [sys.executable, "-c", "print('blink up', flush=True); raise SystemExit(3)"]})
print("supervisor done", flush=True)
"""


def test_a_child_that_ends_is_started_again_with_growing_pauses_until_a_stop():
    supervisor = subprocess.Popen(
        [sys.executable, "-u", "-c", SUPERVISE_A_CHILD_THAT_ENDS],
        cwd=REPO,
        env=environment(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = Output(supervisor)
    try:
        output.wait_for("blink up", times=3, seconds=30)
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=15)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    output.wait_for("supervisor done", seconds=5)
    assert supervisor.returncode == 0
    assert output.count("blink exited with code 3; starting it again in 1 s.") == 1
    assert output.count("blink exited with code 3; starting it again in 2 s.") == 1


def _worker_of(run_pid: int) -> int | None:
    for pid in _children(run_pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in argv and _alive(pid):
            return pid
    return None


def _wait(what, seconds: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.2)
    return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_comes_back_and_a_stop_signal_still_ends_everything():
    run = podpora("run", "--port", str(free_port()), start_new_session=True)
    output = Output(run)
    try:
        output.wait_for("Podpora is running", seconds=120)
        first = _wait(lambda: _worker_of(run.pid))
        assert first, output.text()
        os.kill(first, signal.SIGKILL)
        output.wait_for("worker killed by SIGKILL; starting it again in 1 s.")
        second = _wait(lambda: (p := _worker_of(run.pid)) != first and p)
        assert second, output.text()
        children = _children(run.pid)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    output.wait_for("Podpora stopped.", seconds=5)
    assert run.returncode == 0, output.text()
    assert _wait(lambda: not [p for p in children if _alive(p)], 5), "orphans"
