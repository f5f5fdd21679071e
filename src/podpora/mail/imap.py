"""Polling IMAP mailboxes: UIDs only, mark after commit, one poller at a time.

A mailbox is read by whoever takes its lease (a compare-and-set UPDATE on
``Mailbox.lease_until``, as ``core.scheduler`` does for jobs), so two workers
never read it at once. Each message is fetched by UID with ``BODY.PEEK[]``
(which leaves it unread for people), handed to :func:`intake.receive` — which
commits the raw mail and the ticket — and only then marked with our keyword
or moved. If the process dies between the commit and the mark, the next poll
fetches the same UID again and the inbound log recognises it: nothing is
imported twice, nothing is lost.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import socket
import ssl
from datetime import timedelta

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
LEASE = timedelta(minutes=5)
BATCH = 200
TIMEOUT = 60


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def take_lease(mailbox: Mailbox, *, owner: str, force: bool = False) -> bool:
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q() if force else Q(next_poll_at__lte=now)
    taken = (
        Mailbox.objects.filter(free, due, pk=mailbox.pk, is_active=True).update(
            lease_until=now + LEASE, lease_owner=owner
        )
        == 1
    )
    return taken


def _renew(mailbox: Mailbox, owner: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lease_owner=owner).update(
        lease_until=timezone.now() + LEASE
    )


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


def _fetch(connection: imaplib.IMAP4, uid: int) -> bytes | None:
    data = _check(connection.uid("FETCH", str(uid), "(BODY.PEEK[])"))
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    return None  # expunged by someone else meanwhile


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
        connection = connect(mailbox)
        try:
            imported = _poll_selected(connection, mailbox, owner)
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                connection.logout()
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
    uids = sorted(int(u) for u in b" ".join(data).split())
    imported = 0
    for uid in uids[:BATCH]:
        known = InboundMail.objects.filter(
            mailbox=mailbox, imap_uid=uid, imap_uidvalidity=uidvalidity
        ).first()
        if known is None:
            raw = _fetch(connection, uid)
            if raw is None:
                continue
            intake.receive(mailbox, raw, imap_uid=uid, imap_uidvalidity=uidvalidity)
            imported += 1
        elif known.state == InboundState.STORED:
            intake.process(known)
        # Stored and committed (now or by an earlier, interrupted poll): mark it.
        mark_imported(connection, mailbox, uid)
        _renew(mailbox, owner)
    return imported


def poll_due() -> dict[str, str]:
    now = timezone.now()
    results = {}
    for mailbox in Mailbox.objects.filter(
        kind=MailboxKind.IMAP, is_active=True, next_poll_at__lte=now
    ):
        results[mailbox.name] = poll(mailbox)
    return results
