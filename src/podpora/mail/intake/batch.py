"""Step 2, the one way a stored mail is processed: a batch (one IMAP fetch,
or the pipe's one mail, a batch of one) is parsed and looked up at once, then
each mail is decided and written in a savepoint of one transaction; should
that transaction fail, the mails are processed again one at a time, each a
batch of one. The administrators' retry, accept and discard are here too."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast

from django.db import DatabaseError, connection, transaction
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.mail import notifications, parsing
from podpora.mail.intake.lookups import BatchLookups, _chunks
from podpora.mail.intake.processing import (
    _RESULT_FIELDS,
    _parse,
    _process_locked,
    _read_raw,
    _too_big,
)
from podpora.mail.intake.storing import Incoming, TemporaryFailure, store_batch
from podpora.mail.models import InboundMail, InboundState, Mailbox
from podpora.tickets.errors import TicketError

log = logging.getLogger(__name__)


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


def receive(mailbox: Mailbox, raw: bytes) -> InboundMail:
    """Store, then process one mail (the pipe's): a batch of one. Safe to call
    again with the same bytes; raises :class:`TemporaryFailure` when the
    database or storage gives way before the mail is processed."""
    (inbound,) = receive_batch(mailbox, [Incoming(raw)])
    if inbound.state == InboundState.STORED:
        # Stored, but not processed: the caller's sender tries again.
        raise TemporaryFailure("stored, not processed yet")
    return inbound


def process(
    inbound: InboundMail, *, raw: bytes | None = None, accept: bool = False
) -> InboundMail:
    """Turn one stored mail into a ticket or a message (a batch of one);
    ``accept`` overrides a hold. Raises :class:`TemporaryFailure` when the
    database or storage gives way (the mail stays ``stored``)."""
    (inbound,) = process_batch([(inbound, raw)], accept=accept)
    if inbound.state == InboundState.STORED:
        raise TemporaryFailure("the database gave way; the mail stays stored")
    return inbound


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
    pairs: Sequence[tuple[InboundMail, bytes | None]], *, accept: bool = False
) -> list[InboundMail]:
    """Process stored mails, in order, in one transaction; ``accept``
    overrides a hold.

    Each mail has a savepoint of its own: one that fails is rolled back and
    marked ``failed`` with its reason while the others land. Should the
    transaction itself fail (a lost connection, a lock timeout), nothing of
    it is kept and the mails are processed again one at a time, each a batch
    of one; one that still cannot be processed stays ``stored``.
    """
    work: list[tuple[InboundMail, bytes, parsing.ParsedMail | None]] = []
    for inbound, raw in pairs:
        try:
            raw = raw if raw is not None else _read_raw(inbound)
        except OSError as exc:
            raise TemporaryFailure(str(exc)) from exc
        work.append((inbound, raw, None if _too_big(raw, accept) else _parse(raw)))
    if not work:
        return []
    snapshots = [{f: getattr(i, f) for f in _SNAPSHOT} for i, _r, _p in work]
    with notifications.one_task_per_batch():
        try:
            _process_together(work, accept=accept)
        except DatabaseError:
            for (inbound, _raw, _parsed), snapshot in zip(work, snapshots, strict=True):
                for name, value in snapshot.items():
                    setattr(inbound, name, value)
            if len(work) == 1:
                log.exception("mail %s stays stored", work[0][0].pk)
            else:
                log.warning("a batch of %d mails failed; one at a time", len(work))
                for inbound, raw, _parsed in work:
                    process_batch([(inbound, raw)], accept=accept)
    return [inbound for inbound, _raw, _parsed in work]


def _process_together(
    work: list[tuple[InboundMail, bytes, parsing.ParsedMail | None]],
    *,
    accept: bool,
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
                        inbound, raw, accept=accept, parsed=parsed, lookups=lookups
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
