"""From raw bytes to the right ticket, with nothing lost and nothing twice.

1. :func:`store` writes the raw mail and its log row and commits: from here
   on the mail cannot be lost, whatever happens next.
2. :func:`process` parses it, recognises robots and loops, finds the thread
   and the sender and writes the ticket in ONE transaction that also marks
   the log row processed, so a crash leaves either both or neither.
3. Anything that goes wrong is written on the log row (``failed`` with the
   reason, or ``held`` for review) and listed for administrators, who can
   retry, accept or discard it (``mail.views``).

IMAP polling and the pipe command both call :func:`receive`; so does the bench.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.accounts.services import organization_for_email
from podpora.mail import loops, notifications, parsing
from podpora.mail.intake.config import (
    forget_own_addresses,
    max_mail_bytes,
    own_addresses,
    own_message_id_domain,
)
from podpora.mail.intake.lookups import BatchLookups, Lookups, _chunks
from podpora.mail.intake.threads import find_thread
from podpora.mail.intake.writing import _add_to_thread, _follow_up, _open
from podpora.mail.models import InboundMail, InboundState, Mailbox, UnknownSenders
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Status

__all__ = [
    "BatchLookups",
    "Incoming",
    "TemporaryFailure",
    "accept",
    "discard",
    "forget_own_addresses",
    "own_addresses",
    "process",
    "process_batch",
    "receive",
    "receive_batch",
    "retry",
]

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """The database or storage is unavailable: the mail server should retry."""


# --- step 1: store ------------------------------------------------------------------------

_HEADER_MESSAGE_ID = re.compile(
    rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M
)


def _quick_message_id(raw: bytes) -> str:
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    match = _HEADER_MESSAGE_ID.search(head)
    if match:
        ids = parsing.message_ids(match.group(1).decode("ascii", errors="replace"))
        if ids:
            return ids[0]
    return parsing.synthetic_message_id(raw)


def store(
    mailbox: Mailbox,
    raw: bytes,
    *,
    imap_uid: int | None = None,
    imap_uidvalidity: int | None = None,
) -> tuple[InboundMail, bool]:
    """The log row for these bytes, created and committed if new."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = _quick_message_id(raw)
    try:
        inbound = InboundMail(
            mailbox=mailbox,
            email_message_id=message_id,
            sha256=digest,
            size=len(raw),
            imap_uid=imap_uid,
            imap_uidvalidity=imap_uidvalidity,
        )
        # Insert first and let the unique key catch a repeat: repeats are rare,
        # and the key (not a read before the write) is what holds under races.
        inbound.raw.save("mail.eml", ContentFile(raw), save=False)
        try:
            with transaction.atomic():
                inbound.save()
        except IntegrityError:
            inbound.raw.delete(save=False)
            return InboundMail.objects.get(
                mailbox=mailbox, email_message_id=message_id, sha256=digest
            ), False
        return inbound, True
    except (DatabaseError, OSError) as exc:
        raise TemporaryFailure(str(exc)) from exc


def receive(
    mailbox: Mailbox,
    raw: bytes,
    *,
    imap_uid: int | None = None,
    imap_uidvalidity: int | None = None,
) -> InboundMail:
    """Store, then process. Safe to call again with the same bytes."""
    inbound, created = store(
        mailbox, raw, imap_uid=imap_uid, imap_uidvalidity=imap_uidvalidity
    )
    if not created and inbound.state != InboundState.STORED:
        return inbound
    return process(inbound, raw=raw)


# --- step 2: process -----------------------------------------------------------------------


def _read_raw(inbound: InboundMail) -> bytes:
    with inbound.raw.open("rb") as handle:
        return handle.read()


def process(
    inbound: InboundMail, *, raw: bytes | None = None, accept: bool = False
) -> InboundMail:
    """Turn a stored mail into a ticket or a message; ``accept`` overrides a hold."""
    try:
        raw = raw if raw is not None else _read_raw(inbound)
    except OSError as exc:
        raise TemporaryFailure(str(exc)) from exc
    now = timezone.now()
    try:
        with transaction.atomic():
            # The claim is a compare-and-set on the state: it takes the row's
            # write lock, so two workers never process one mail.
            claimed = InboundMail.objects.filter(
                pk=inbound.pk, state=InboundState.STORED
            ).update(attempts=F("attempts") + 1)
            if not claimed:
                inbound.refresh_from_db()
                return inbound
            inbound.attempts += 1
            _process_locked(inbound, raw, accept=accept)
            inbound.processed_at = now
            inbound.save(update_fields=_RESULT_FIELDS)
            return inbound
    except DatabaseError as exc:
        raise TemporaryFailure(str(exc)) from exc
    except (TicketError, AccountError) as exc:
        reason = getattr(exc, "message", "") or str(exc)
        return _mark(inbound, InboundState.FAILED, reason)
    except Exception as exc:
        log.exception("mail %s could not be processed", inbound.pk)
        return _mark(
            inbound,
            InboundState.FAILED,
            _("Unexpected error: %(error)s")
            % {"error": f"{type(exc).__name__}: {exc}"},
        )


_RESULT_FIELDS = [
    "state",
    "reason",
    "problems",
    "from_address",
    "subject",
    "sender_kind",
    "ticket",
    "message",
    "processed_at",
]


def _mark(inbound: InboundMail, state: str, reason: str) -> InboundMail:
    InboundMail.objects.filter(pk=inbound.pk).update(
        state=state, reason=reason[:2000], attempts=F("attempts") + 1
    )
    inbound.refresh_from_db()
    return inbound


def _too_big(raw: bytes, accept: bool) -> bool:
    return len(raw) > max_mail_bytes() and not accept


def _parse(raw: bytes) -> parsing.ParsedMail:
    return parsing.parse(
        raw, max_attachment_bytes=settings.PODPORA_MAX_ATTACHMENT_BYTES
    )


def _process_locked(
    inbound: InboundMail,
    raw: bytes,
    *,
    accept: bool,
    parsed: parsing.ParsedMail | None = None,
    lookups: Lookups | None = None,
) -> None:
    """Decide and write one claimed mail. ``parsed`` and ``lookups`` come
    from a batch, which parsed and looked up all its mails at once."""
    mailbox = inbound.mailbox
    lookups = lookups or Lookups()
    if _too_big(raw, accept):
        inbound.state = InboundState.HELD
        inbound.reason = _(
            "The mail is larger than the limit of %(limit)s MB; it is kept unread."
        ) % {"limit": max_mail_bytes() // (1024 * 1024)}
        return
    parsed = parsed or _parse(raw)
    inbound.problems = parsed.problems[:50]
    inbound.from_address = parsed.from_address[:254]
    inbound.subject = parsed.subject[:255]
    if not parsed.ok:
        inbound.state = InboundState.FAILED
        inbound.reason = parsed.failure
        return
    kind = loops.classify(
        parsed,
        secret=settings.SECRET_KEY,
        own_domains=(own_message_id_domain(),),
    )
    inbound.sender_kind = kind.value
    automatic = loops.is_automatic(kind)
    message_id = parsed.message_id or inbound.email_message_id

    duplicate = lookups.delivered(parsed)
    if duplicate is not None:
        inbound.state = InboundState.DUPLICATE
        inbound.reason = _("The same mail already arrived through another address.")
        inbound.ticket_id, inbound.message_id = duplicate
        return

    sender = lookups.user(parsed.from_address)
    thread = find_thread(
        parsed,
        sender,
        raw=raw if kind is loops.Sender.BOUNCE else b"",
        lookups=lookups,
    )
    if (
        thread.ticket is None
        and kind in {loops.Sender.BOUNCE, loops.Sender.LOOP}
        and not accept
    ):
        inbound.state = InboundState.IGNORED
        inbound.reason = _(
            "A bounce or one of our own mails that belongs to no ticket."
        )
        return
    if sender is None:
        if (
            not accept
            and mailbox.unknown_senders == UnknownSenders.HOLD
            and organization_for_email(parsed.from_address) is None
        ):
            inbound.state = InboundState.HELD
            inbound.reason = _(
                "The sender %(address)s belongs to no organisation; "
                "held for review by the mailbox's setting."
            ) % {"address": parsed.from_address}
            return
        sender = lookups.customer(parsed.from_address, parsed.from_name)
    files = [
        services.IncomingFile(
            name=a.name,
            content=a.content,
            declared_type=a.content_type,
            content_id=a.content_id,
            inline=a.inline,
        )
        for a in parsed.attachments
    ]
    data = {
        "mail": {
            "inbound": inbound.pk,
            "mailbox": mailbox.name,
            "from": parsed.from_address,
            "to": [a for _n, a in parsed.to],
            "cc": [a for _n, a in parsed.cc],
            "sender_kind": kind.value,
            "problems": parsed.problems[:20],
        }
    }
    if thread.ignored_tag:
        data["mail"]["ignored_tag"] = thread.ignored_tag
    ticket = thread.ticket
    if ticket is not None and ticket.status == Status.CLOSED:
        message = _follow_up(
            mailbox, ticket, parsed, sender, files, message_id, automatic, data, lookups
        )
    elif ticket is not None:
        message = _add_to_thread(
            mailbox,
            ticket,
            parsed,
            sender,
            files,
            message_id,
            automatic,
            thread.reason,
            data,
            lookups,
        )
    else:
        message = _open(
            mailbox, parsed, sender, files, message_id, automatic, data, lookups
        )
    lookups.received(message, message_id, author=parsed.from_address)
    inbound.state = InboundState.PROCESSED
    inbound.reason = ""
    inbound.ticket_id = message.ticket_id
    inbound.message = message


# --- batches: one IMAP fetch at a time ------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One mail of a batch, with where it came from on the IMAP server."""

    raw: bytes
    imap_uid: int | None = None
    imap_uidvalidity: int | None = None


def store_batch(
    mailbox: Mailbox, items: Sequence[Incoming]
) -> list[tuple[InboundMail, bool]]:
    """:func:`store` for many mails: their raw copies and log rows in one
    transaction. The same bytes twice give the same row (``created`` only
    the first time). Should another worker store one of them meanwhile, the
    unique key stops the insert and the batch is stored one mail at a time."""
    keys = [
        (_quick_message_id(i.raw), hashlib.sha256(i.raw).hexdigest()) for i in items
    ]
    try:
        known: dict[tuple[str, str], InboundMail] = {}
        for chunk in _chunks(mid for mid, _digest in keys):
            for row in InboundMail.objects.filter(
                mailbox=mailbox, email_message_id__in=chunk
            ):
                row.mailbox = mailbox
                known[(row.email_message_id, row.sha256)] = row
        new: dict[tuple[str, str], InboundMail] = {}
        results: list[tuple[InboundMail, bool]] = []
        for item, key in zip(items, keys, strict=True):
            found = known.get(key) or new.get(key)
            if found is not None:
                results.append((found, False))
                continue
            row = InboundMail(
                mailbox=mailbox,
                email_message_id=key[0],
                sha256=key[1],
                size=len(item.raw),
                imap_uid=item.imap_uid,
                imap_uidvalidity=item.imap_uidvalidity,
            )
            row.raw.save("mail.eml", ContentFile(item.raw), save=False)
            new[key] = row
            results.append((row, True))
        if not new:
            return results
        try:
            with transaction.atomic():
                InboundMail.objects.bulk_create(list(new.values()))
        except IntegrityError:
            for row in new.values():
                row.raw.delete(save=False)
            return [
                store(
                    mailbox,
                    item.raw,
                    imap_uid=item.imap_uid,
                    imap_uidvalidity=item.imap_uidvalidity,
                )
                for item in items
            ]
        return results
    except (DatabaseError, OSError) as exc:
        raise TemporaryFailure(str(exc)) from exc


def receive_batch(mailbox: Mailbox, items: Sequence[Incoming]) -> list[InboundMail]:
    """Store all, then process all, in order; one log row per item.

    Raises :class:`TemporaryFailure` only when nothing could be stored; a
    mail that could be stored but not processed for a passing reason comes
    back still ``stored`` (the next poll or an administrator finishes it).
    """
    stored = store_batch(mailbox, items)
    todo: dict[int, tuple[InboundMail, bytes | None]] = {}
    for (inbound, created), item in zip(stored, items, strict=True):
        if (created or inbound.state == InboundState.STORED) and inbound.pk not in todo:
            todo[inbound.pk] = (inbound, item.raw)
    process_batch(list(todo.values()))
    return [inbound for inbound, _created in stored]


_SNAPSHOT = [
    "state",
    "reason",
    "problems",
    "from_address",
    "subject",
    "sender_kind",
    "ticket_id",
    "message_id",
    "processed_at",
    "attempts",
]


def process_batch(
    pairs: Sequence[tuple[InboundMail, bytes | None]],
) -> list[InboundMail]:
    """:func:`process` for many stored mails, in order, in one transaction.

    Each mail has a savepoint of its own: one that fails is rolled back and
    marked ``failed`` with its reason while the others land. Should the
    transaction itself fail (a lost connection, a lock timeout), nothing of
    it is kept and the mails are processed again one at a time, each in its
    own transaction, as :func:`process` does; one that still cannot be
    processed stays ``stored``.
    """
    work: list[tuple[InboundMail, bytes, parsing.ParsedMail | None]] = []
    for inbound, raw in pairs:
        try:
            raw = raw if raw is not None else _read_raw(inbound)
        except OSError as exc:
            raise TemporaryFailure(str(exc)) from exc
        work.append((inbound, raw, None if _too_big(raw, False) else _parse(raw)))
    if not work:
        return []
    snapshots = [{f: getattr(i, f) for f in _SNAPSHOT} for i, _r, _p in work]
    with notifications.one_task_per_batch():
        try:
            _process_together(work)
        except DatabaseError:
            log.warning("a batch of %d mails failed; one at a time", len(work))
            for (inbound, raw, _parsed), snapshot in zip(work, snapshots, strict=True):
                for name, value in snapshot.items():
                    setattr(inbound, name, value)
                try:
                    process(inbound, raw=raw)
                except TemporaryFailure:
                    log.exception("mail %s stays stored", inbound.pk)
    return [inbound for inbound, _raw, _parsed in work]


def _process_together(
    work: list[tuple[InboundMail, bytes, parsing.ParsedMail | None]],
) -> None:
    lookups = BatchLookups(p for _i, _r, p in work if p is not None and p.ok)
    now = timezone.now()
    with transaction.atomic(), notifications.held_in_batch() as held:
        # The same compare-and-set claim as process(), for the whole batch:
        # the rows stay locked until the batch commits.
        claimed: set[int] = set()
        for chunk in _chunks(i.pk for i, _r, _p in work):
            claimed.update(
                InboundMail.objects.select_for_update()
                .filter(pk__in=chunk, state=InboundState.STORED)
                .values_list("pk", flat=True)
            )
        for chunk in _chunks(claimed):
            InboundMail.objects.filter(pk__in=chunk).update(attempts=F("attempts") + 1)
        done = []
        for inbound, raw, parsed in work:
            if inbound.pk not in claimed:
                continue
            inbound.attempts += 1
            try:
                with transaction.atomic():
                    _process_locked(
                        inbound, raw, accept=False, parsed=parsed, lookups=lookups
                    )
            except DatabaseError:
                raise
            except (TicketError, AccountError) as exc:
                lookups.drop()
                held.drop()
                _set_failed(inbound, getattr(exc, "message", "") or str(exc))
            except Exception as exc:
                log.exception("mail %s could not be processed", inbound.pk)
                lookups.drop()
                held.drop()
                _set_failed(
                    inbound,
                    _("Unexpected error: %(error)s")
                    % {"error": f"{type(exc).__name__}: {exc}"},
                )
            else:
                lookups.keep()
                held.keep()
                inbound.processed_at = now
            done.append(inbound)
        lookups.flush()
        held.write()
        _save_results(done)
    for inbound, _raw, _parsed in work:
        if inbound.pk not in claimed:
            inbound.refresh_from_db()


def _save_results(rows: list[InboundMail]) -> None:
    """Write the outcome of every mail of a batch with one statement run for
    each row (``bulk_update`` builds a CASE per field and row, and costs more
    to compile than the writes themselves)."""
    if not rows:
        return
    meta = InboundMail._meta
    fields = [cast(Field, meta.get_field(name)) for name in _RESULT_FIELDS]
    quote = connection.ops.quote_name
    # Names from the model's own metadata only; every value is a parameter.
    columns = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    table, pk = quote(meta.db_table), quote(str(meta.pk.column))  # type: ignore[union-attr]
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _set_failed(inbound: InboundMail, reason: str) -> None:
    inbound.state = InboundState.FAILED
    inbound.reason = reason[:2000]
    inbound.ticket_id = None
    inbound.message_id = None


# --- administrators' actions --------------------------------------------------------------------


def retry(inbound: InboundMail) -> InboundMail:
    if inbound.state in {InboundState.FAILED, InboundState.STORED}:
        InboundMail.objects.filter(pk=inbound.pk).update(state=InboundState.STORED)
        inbound.refresh_from_db()
        return process(inbound)
    return inbound


def accept(inbound: InboundMail) -> InboundMail:
    if inbound.state in {InboundState.HELD, InboundState.IGNORED}:
        InboundMail.objects.filter(pk=inbound.pk).update(state=InboundState.STORED)
        inbound.refresh_from_db()
        return process(inbound, accept=True)
    return inbound


def discard(inbound: InboundMail) -> InboundMail:
    if inbound.state in {
        InboundState.HELD,
        InboundState.FAILED,
        InboundState.IGNORED,
        InboundState.STORED,
    }:
        InboundMail.objects.filter(pk=inbound.pk).update(state=InboundState.DISCARDED)
        inbound.refresh_from_db()
    return inbound
