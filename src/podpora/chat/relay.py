"""Group messages of the in-memory channel layer, carried to sibling processes.

On the embedded default the web server, the task worker, the scheduler and a
mail pipe are separate processes sharing one SQLite database, and each has a
channel layer of its own in memory. A ticket that the worker opens from a mail
would be announced only to the worker's layer, where no browser listens.

Every process that serves WebSockets binds a Unix datagram socket named after
its pid in a folder that belongs to the database (``relay_directory``); a
``group_send`` in any process that shares the database is delivered locally and
also sent, once, to every socket in that folder. A datagram is fire and
forget: a push is only liveness (pages catch up from the database when they
reconnect or refresh), so a full receive buffer or a message over the size
limit is logged and dropped, never waited for. Only the same user can reach
the sockets: the folder is created with mode 0700 and refused if anybody else
owns it or may enter it. Messages are JSON, never pickles.

With ``REDIS_URL`` set, channels_redis does this job and nothing here runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import socket
import stat
import tempfile
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Far above any push (chat messages are at most 4,000 characters) and below
# the kernel's default limit for one Unix datagram.
MAX_DATAGRAM = 64 * 1024
RECEIVE_BUFFER = 1024 * 1024
SUFFIX = ".sock"

Deliver = Callable[[str, dict[str, Any]], Coroutine[Any, Any, None]]


def database_identity() -> str:
    """What the processes that must hear each other share: the database."""
    from django.db import connections

    db = connections["default"].settings_dict
    if "sqlite" in db["ENGINE"]:
        return "sqlite:" + str(Path(str(db["NAME"])).resolve())
    return f"{db['ENGINE']}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"


def relay_directory() -> Path:
    digest = hashlib.sha256(database_identity().encode()).hexdigest()
    # Unix socket paths are limited to about 100 bytes: keep this one short.
    return Path(tempfile.gettempdir()) / f"podpora-live-{os.getuid()}-{digest[:16]}"


def _private_directory(path: Path, create: bool) -> bool:
    """The folder exists (made if asked), is ours and nobody else may enter."""
    if create:
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or info.st_mode & 0o077
    ):
        log.warning("live relay disabled: %s is not a private folder of ours", path)
        return False
    return True


class Relay:
    """Sends group messages to the sibling processes and receives theirs."""

    def __init__(
        self, directory: Callable[[], Path] = relay_directory, name: str = ""
    ) -> None:
        self._directory = directory
        self._name = name  # of this process's socket; its pid unless given
        self._sender: socket.socket | None = None
        self._sender_lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._own_path: Path | None = None

    def send(self, group: str, message: dict[str, Any]) -> int:
        """Hand a group message to every listening sibling; returns how many."""
        folder = self._directory()
        try:
            peers = [
                folder / name for name in os.listdir(folder) if name.endswith(SUFFIX)
            ]
        except FileNotFoundError:
            return 0  # no process serves WebSockets for this database
        peers = [peer for peer in peers if peer != self._own_path]
        if not peers:
            return 0
        try:
            data = json.dumps({"group": group, "message": message}).encode()
        except (TypeError, ValueError):
            log.exception("live relay: a message to %s is not JSON", group)
            return 0
        if len(data) > MAX_DATAGRAM:
            log.warning("live relay: a %d-byte message to %s dropped", len(data), group)
            return 0
        sent = 0
        sender = self._sender_socket()
        for peer in peers:
            try:
                sender.sendto(data, str(peer))
                sent += 1
            except ConnectionRefusedError:
                # Nobody is bound to it: a process that died without cleaning up.
                with contextlib.suppress(FileNotFoundError):
                    peer.unlink()
            except FileNotFoundError:
                pass  # it stopped between the listing and the send
            except BlockingIOError:
                log.warning("live relay: %s is not reading; a push was dropped", peer)
            except OSError:
                log.exception("live relay: could not send to %s", peer)
        return sent

    def _sender_socket(self) -> socket.socket:
        with self._sender_lock:
            if self._sender is None:
                sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                sender.setblocking(False)  # never wait for a slow reader
                self._sender = sender
            return self._sender

    def listen(self, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> bool:
        """Receive the siblings' group messages on this loop (web processes)."""
        if self._listener is not None:
            return True
        folder = self._directory()
        if not _private_directory(folder, create=True):
            return False
        path = folder / f"{self._name or os.getpid()}{SUFFIX}"
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # left by an earlier process with the same pid
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            listener.bind(str(path))
        except OSError:
            listener.close()
            log.exception("live relay: could not listen on %s", path)
            return False
        listener.setblocking(False)
        self._listener, self._own_path = listener, path
        loop.add_reader(listener.fileno(), self._read, loop, deliver)
        return True

    def _read(self, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
        assert self._listener is not None
        while True:
            try:
                data = self._listener.recv(MAX_DATAGRAM)
            except BlockingIOError:
                return
            except OSError:
                log.exception("live relay: receive failed")
                return
            try:
                envelope = json.loads(data)
                group, message = envelope["group"], envelope["message"]
                if not isinstance(group, str) or not isinstance(message, dict):
                    raise TypeError("group must be text and message an object")
            except (ValueError, KeyError, TypeError):
                log.warning("live relay: an unreadable datagram was dropped")
                continue
            loop.create_task(deliver(group, message))

    def close(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if self._listener is not None:
            if loop is not None:
                loop.remove_reader(self._listener.fileno())
            self._listener.close()
            self._listener = None
        if self._own_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._own_path.unlink()
            self._own_path = None
