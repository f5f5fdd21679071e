"""Real database outages for tests: the test's own connection pointed at a
closed port (PostgreSQL) or a directory (SQLite), or a URL another process
cannot reach until the test lets it."""

import contextlib
import copy
import select
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection

from tests.core.processes import database_url, free_port


@contextlib.contextmanager
def database_down(tmp_path: Path) -> Iterator[None]:
    saved = copy.deepcopy(connection.settings_dict)
    pooled = "pool" in connection.settings_dict.get("OPTIONS", {})
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path)  # a directory
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(free_port())  # nothing listens
        if pooled:
            # A new pool on the closed port, which gives up after 2 s, not 30.
            connection.settings_dict["OPTIONS"]["pool"]["timeout"] = 2
            connection.close_pool()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        if pooled:
            connection.close_pool()


class _Pipe(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        with socket.create_connection(self.server.target) as upstream:  # type: ignore[attr-defined]
            ends = [self.request, upstream]
            while True:
                readable, _, _ = select.select(ends, [], [], 1)
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.request else self.request).sendall(data)


class _Forwarder(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def database_comes_back_later(
    tmp_path: Path,
) -> Iterator[tuple[str, Callable[[], None]]]:
    """A URL of the test database that another process cannot reach until the
    returned ``come_back()`` is called: a path through a folder that does not
    exist yet (SQLite), a port nobody listens on yet (PostgreSQL)."""
    url = database_url()
    servers: list[_Forwarder] = []
    if connection.vendor == "sqlite":
        real = Path(connection.settings_dict["NAME"])
        later = tmp_path / "later"
        url = f"sqlite:///{later / real.name}"

        def come_back() -> None:
            later.symlink_to(real.parent, target_is_directory=True)
    else:
        db = connection.settings_dict
        target = (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
        port = free_port()
        url = url.replace(f":{target[1]}/", f":{port}/")

        def come_back() -> None:
            server = _Forwarder(("127.0.0.1", port), _Pipe)
            server.target = target  # type: ignore[attr-defined]
            servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()

    try:
        yield url, come_back
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@contextlib.contextmanager
def tables_locked(table: str) -> Iterator[None]:
    """Another connection holds a write lock (SQLite: the whole database;
    PostgreSQL: ``table``) while the test's connection gives up after 0.5 s,
    as it would after its configured wait."""
    saved = copy.deepcopy(connection.settings_dict)
    pooled = "pool" in connection.settings_dict.get("OPTIONS", {})
    options = connection.settings_dict.setdefault("OPTIONS", {})
    connection.close()
    if connection.vendor == "sqlite":
        import sqlite3

        options["timeout"] = 0.5
        options["init_command"] = options["init_command"].replace(
            "busy_timeout=30000", "busy_timeout=500"
        )
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        options["options"] = "-c lock_timeout=500"
        if pooled:
            connection.close_pool()
        holder = psycopg.connect(database_url())
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # type: ignore[arg-type]
    try:
        yield
    finally:
        holder.rollback()
        holder.close()
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        if pooled:
            connection.close_pool()
