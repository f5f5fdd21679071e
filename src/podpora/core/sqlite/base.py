"""Django's SQLite backend, with writers of one process queued on a lock.

SQLite has one writer at a time. Under ASGI every request may run in a thread
of its own, and a transaction that finds the write lock taken waits in
SQLite's busy handler, which sleeps in steps of up to 100 ms whether or not
the lock came free meanwhile: under load, a few writers that all wait turn
a 10 ms write into seconds (seen as a p99 of 1.7-3.9 s by ``bench/api.py``
with eight concurrent clients). Here a transaction of this process first
takes a lock of the process, which hands over the moment the previous writer
commits; only writers of other processes (the task worker, the scheduler)
still meet the busy handler. A wait longer than the connection's timeout
fails like SQLite does, with "database is locked".
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _write_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds_write_lock = False

    def _start_transaction_under_autocommit(self) -> None:
        lock = _write_lock(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._holds_write_lock = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            _write_lock(str(self.settings_dict["NAME"])).release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()
