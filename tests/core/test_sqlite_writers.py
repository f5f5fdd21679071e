"""SQLite writers take turns with Django's own options: transactions begin
IMMEDIATE (the write lock is taken at the start, so no read lock is ever
upgraded and refused) and a writer that finds the lock taken waits in
SQLite's busy timeout; a wait past the timeout fails as "database is locked"
and leaves nothing behind."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, connections, transaction

from podpora.accounts.models import Team

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip(
            "SQLite only: PostgreSQL has row locks, no whole-database write lock"
        )


def _in_thread(work):
    """Run ``work`` in another thread (another connection); its outcome."""
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            outcome["value"] = work()
        except BaseException as error:  # reported to the test
            outcome["error"] = error
        finally:
            outcome["seconds"] = time.monotonic() - started
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return outcome


def _write_team(name: str) -> str:
    with transaction.atomic():
        return Team.objects.create(name=name).name


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_the_next_writer_goes_at_once_after_a_commit_or_a_rollback(ending):
    try:
        with transaction.atomic():
            Team.objects.create(name="First")
            if ending == "rollback":
                raise RuntimeError("the change is abandoned")
    except RuntimeError:
        pass

    outcome = _in_thread(lambda: _write_team("Second"))

    assert outcome.get("value") == "Second", outcome
    assert outcome["seconds"] < 1
    names = set(Team.objects.values_list("name", flat=True))
    assert names == ({"First", "Second"} if ending == "commit" else {"Second"})


@contextmanager
def _another_writer_holding_the_lock(name: str, *, release_after: float | None = None):
    """Another thread in a write transaction until the block ends (or until
    ``release_after`` seconds have passed)."""
    entered = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with transaction.atomic():
            Team.objects.create(name=name)
            entered.set()
            release.wait(10)

    held = threading.Thread(target=lambda: _in_thread(holder))
    held.start()
    assert entered.wait(10)
    if release_after is not None:
        threading.Timer(release_after, release.set).start()
    try:
        yield
    finally:
        release.set()
        held.join()


def test_a_writer_waits_for_the_one_before_and_then_writes():
    with _another_writer_holding_the_lock("Slow", release_after=0.3):
        outcome = _in_thread(lambda: _write_team("Patient"))

    assert outcome.get("value") == "Patient", outcome
    assert 0.2 < outcome["seconds"] < 5
    assert set(Team.objects.values_list("name", flat=True)) == {"Slow", "Patient"}


def test_a_wait_longer_than_the_timeout_fails_as_database_is_locked():
    with _another_writer_holding_the_lock("Holder"):
        # The timeout is set when a connection opens.
        connection.close()
        connection.settings_dict["OPTIONS"]["timeout"] = 0.2
        try:
            with pytest.raises(OperationalError, match="database is locked"):
                _write_team("Impatient")
        finally:
            connection.close()
            connection.settings_dict["OPTIONS"]["timeout"] = 30
    # Nothing of the failed writer was kept, and the lock is free again.
    assert _write_team("Later") == "Later"
    assert set(Team.objects.values_list("name", flat=True)) == {"Holder", "Later"}
