"""Polling IMAP mailboxes: UIDs only, mark after commit, one poller at a time.

A mailbox is read by whoever takes its lease (a compare-and-set UPDATE on
``Mailbox.lease_until``, as ``core.scheduler`` does for jobs), so two workers
never read it at once. Each message is fetched by UID with ``BODY.PEEK[]``
(which leaves it unread for people), handed to the intake, which commits the
raw mail and the ticket, and only then marked with our keyword or moved.
Messages are fetched in runs (one command for up to FETCH_MAILS messages) and
each run is one intake batch (``intake.receive_batch``): its raw mails
committed together, then its tickets. If the process dies between the
commit and the mark, the next poll sees the same UIDs again and the inbound
log recognises them: nothing is imported twice, nothing is lost.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import secrets
import socket
import ssl
import threading
from datetime import timedelta
from pathlib import Path

from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from podpora.mail import intake
from podpora.mail.models import (
    AfterImport,
    InboundMail,
    InboundState,
    Mailbox,
    MailboxKind,
    Security,
)

log = logging.getLogger(__name__)

IMPORTED_KEYWORD = "$PodporaImported"
# A short lease, renewed by a heartbeat while the poll runs: a poller killed
# on another machine blocks its mailbox for at most a minute, and one killed
# on this machine not at all (its owner is seen to be dead, see _dead_owner).
LEASE = timedelta(seconds=60)
HEARTBEAT = 15  # seconds between renewals of a running poll's lease
BATCH = 200  # messages per poll
FETCH_MAILS = 50  # messages per fetch, and per intake batch
FETCH_BYTES = 20 * 1024 * 1024
TIMEOUT = 60


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        return ""


def _owner() -> str:
    """Who polls: host, process namespace and id (so that a dead poller on
    this machine is recognised) and a token of this poll."""
    host = socket.gethostname()[:40]
    return f"{host}|{_pid_namespace()}|{os.getpid()}|{secrets.token_hex(4)}"[:100]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        # A killed process its parent has not reaped yet is a zombie.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in {"Z", "X"}


def _dead_owner(owner: str) -> bool:
    """The lease is held by a process of this machine (same host and process
    namespace) that no longer runs. A process elsewhere is never judged: its
    lease simply expires."""
    parts = owner.split("|")
    if len(parts) != 4 or not parts[2].isdigit():
        return False
    host, namespace, pid = parts[0], parts[1], int(parts[2])
    if host != socket.gethostname()[:40] or namespace != _pid_namespace():
        return False
    return pid != os.getpid() and not _alive(pid)


def take_lease(mailbox: Mailbox, *, owner: str, force: bool = False) -> bool:
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q() if force else Q(next_poll_at__lte=now)
    active = Mailbox.objects.filter(due, pk=mailbox.pk, is_active=True)
    if active.filter(free).update(lease_until=now + LEASE, lease_owner=owner) == 1:
        return True
    held = active.values_list("lease_owner", "lease_until").first()
    if held is None or not _dead_owner(held[0]):
        return False
    # Taken over from a dead poller with the same compare-and-set: should two
    # pollers see it dead at once, one of them wins.
    log.warning("mailbox %s: taking over the lease of %s", mailbox.name, held[0])
    return (
        active.filter(lease_owner=held[0], lease_until=held[1]).update(
            lease_until=now + LEASE, lease_owner=owner
        )
        == 1
    )


def _renew(mailbox: Mailbox, owner: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lease_owner=owner).update(
        lease_until=timezone.now() + LEASE
    )


@contextlib.contextmanager
def _heartbeat(mailbox: Mailbox, owner: str):  # type: ignore[no-untyped-def]
    """Renew the lease every HEARTBEAT seconds while the poll runs, from a
    thread of its own (with its own database connection): a long fetch or a
    big batch keeps its mailbox, a killed poller stops renewing it."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT):
                try:
                    _renew(mailbox, owner)
                except DatabaseError as exc:
                    log.warning("mailbox %s: lease not renewed: %s", mailbox.name, exc)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{mailbox.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _release(mailbox: Mailbox, owner: str, *, error: str) -> None:
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk, lease_owner=owner).update(
        lease_until=None,
        lease_owner="",
        last_polled_at=now,
        next_poll_at=now + timedelta(seconds=mailbox.poll_seconds),
        last_error=error[:2000],
    )


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    connection: imaplib.IMAP4
    if mailbox.security == Security.TLS:
        connection = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=context, timeout=TIMEOUT
        )
    else:
        connection = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
        if mailbox.security == Security.STARTTLS:
            connection.starttls(ssl_context=context)
    connection.login(mailbox.username, mailbox.password)
    return connection


def _check(result: tuple[str, list]) -> list:
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{status} {data!r}")
    return data


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _sizes(connection: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    """The size of each message, in one command (to cut fetches to size)."""
    sizes = {}
    for item in _check(connection.uid("FETCH", _uid_set(uids), "(UID RFC822.SIZE)")):
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _fetch_many(connection: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
    """The raw messages of ``uids``, in one command; one expunged by someone
    else meanwhile is simply missing."""
    data = _check(connection.uid("FETCH", _uid_set(uids), "(UID BODY.PEEK[])"))
    found: dict[int, bytes] = {}
    for index, item in enumerate(data):
        if not (isinstance(item, tuple) and len(item) == 2):
            continue
        # Servers put the UID before or after the literal.
        match = _UID.search(item[0])
        if match is None and index + 1 < len(data):
            after = data[index + 1]
            if isinstance(after, bytes):
                match = _UID.search(after)
        if match is not None:
            found[int(match.group(1))] = bytes(item[1])
    return found


def _fetches(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    """UIDs in runs of at most FETCH_MAILS messages and FETCH_BYTES bytes (a
    bigger message goes alone): one fetch and one intake batch each."""
    runs: list[list[int]] = []
    run: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if run and (len(run) >= FETCH_MAILS or total + size > FETCH_BYTES):
            runs.append(run)
            run, total = [], 0
        run.append(uid)
        total += size
    if run:
        runs.append(run)
    return runs


def mark_imported(connection: imaplib.IMAP4, mailbox: Mailbox, uid: int) -> None:
    """Runs only after the ticket is committed (see the module docstring)."""
    if mailbox.after_import == AfterImport.MOVE and mailbox.move_to:
        if "MOVE" in connection.capabilities:
            _check(connection.uid("MOVE", str(uid), _quote(mailbox.move_to)))
            return
        _check(connection.uid("COPY", str(uid), _quote(mailbox.move_to)))
        _check(connection.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"))
        if "UIDPLUS" in connection.capabilities:
            _check(connection.uid("EXPUNGE", str(uid)))
        else:
            connection.expunge()
        return
    _check(
        connection.uid(
            "STORE", str(uid), "+FLAGS.SILENT", f"({IMPORTED_KEYWORD} \\Seen)"
        )
    )


def poll(mailbox: Mailbox, *, force: bool = False) -> str:
    """Import what is new in one mailbox; returns a short summary."""
    owner = _owner()
    if mailbox.kind != MailboxKind.IMAP:
        return "not an IMAP mailbox"
    if not take_lease(mailbox, owner=owner, force=force):
        return "busy or not due"
    imported = 0
    error = ""
    try:
        with _heartbeat(mailbox, owner):
            server = connect(mailbox)
            try:
                imported = _poll_selected(server, mailbox, owner)
            finally:
                with contextlib.suppress(OSError, imaplib.IMAP4.error):
                    server.logout()
    except intake.TemporaryFailure as exc:
        error = f"database unavailable: {exc}"
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        log.exception("polling %s failed", mailbox.name)
        error = f"{type(exc).__name__}: {exc}"
    finally:
        _release(mailbox, owner, error=error)
    if error:
        log.warning("mailbox %s: %s", mailbox.name, error)
        return f"error: {error}"
    return f"{imported} imported"


def _poll_selected(connection: imaplib.IMAP4, mailbox: Mailbox, owner: str) -> int:
    _check(connection.select(_quote(mailbox.folder)))
    _name, values = connection.response("UIDVALIDITY")
    uidvalidity = int(values[0]) if values and values[0] else 0
    if mailbox.after_import == AfterImport.MOVE and mailbox.move_to:
        criteria = ["UNDELETED"]
    else:
        criteria = ["UNKEYWORD", IMPORTED_KEYWORD, "UNDELETED"]
    data = _check(connection.uid("SEARCH", *criteria))
    uids = sorted(int(u) for u in b" ".join(data).split())[:BATCH]
    if not uids:
        return 0
    # Seen by an earlier poll that was interrupted before marking them.
    known: dict[int, InboundMail] = {
        row.imap_uid: row
        for row in InboundMail.objects.filter(
            mailbox=mailbox, imap_uidvalidity=uidvalidity, imap_uid__in=uids
        )
        if row.imap_uid is not None
    }
    unfinished = [row for row in known.values() if row.state == InboundState.STORED]
    if unfinished:
        intake.process_batch([(row, None) for row in unfinished])
    _mark_finished(connection, mailbox, list(known.items()))
    new = [uid for uid in uids if uid not in known]
    imported = 0
    sizes = _sizes(connection, new) if new else {}
    for run in _fetches(new, sizes):
        raws = _fetch_many(connection, run)
        fetched = [uid for uid in run if uid in raws]
        rows = intake.receive_batch(
            mailbox,
            [
                intake.Incoming(raws[uid], imap_uid=uid, imap_uidvalidity=uidvalidity)
                for uid in fetched
            ],
        )
        imported += len(fetched)
        _mark_finished(connection, mailbox, list(zip(fetched, rows, strict=True)))
        _renew(mailbox, owner)
    return imported


def _mark_finished(
    connection: imaplib.IMAP4, mailbox: Mailbox, done: list[tuple[int, InboundMail]]
) -> None:
    """Mark what is committed; a mail the database could not take yet stays
    unmarked, so the next poll finishes it."""
    waiting = 0
    for uid, row in sorted(done, key=lambda pair: pair[0]):
        if row.state == InboundState.STORED:
            waiting += 1
            continue
        mark_imported(connection, mailbox, uid)
    if waiting:
        raise intake.TemporaryFailure(
            f"{waiting} stored mails wait for the next poll to be processed"
        )


def poll_due() -> dict[str, str]:
    now = timezone.now()
    results = {}
    for mailbox in Mailbox.objects.filter(
        kind=MailboxKind.IMAP, is_active=True, next_poll_at__lte=now
    ):
        results[mailbox.name] = poll(mailbox)
    return results
