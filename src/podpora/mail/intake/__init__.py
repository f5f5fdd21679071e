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
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.errors import AccountError
from podpora.accounts.models import User, normalize_email
from podpora.accounts.services import get_or_create_customer, organization_for_email
from podpora.mail import loops, notifications, parsing, quotes
from podpora.mail.models import (
    Direction,
    InboundMail,
    InboundState,
    Mailbox,
    MessageReference,
    UnknownSenders,
)
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import Channel, LinkKind, Message, Status, Ticket

log = logging.getLogger(__name__)

_TAG = re.compile(r"\[(?:[^\[\]#]{0,40}\s)?#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|odp|pd|sv|vs|tr)\s*(\[\d+\])?\s*:\s*)+", re.I
)
_MAX_CC = 20


class TemporaryFailure(Exception):
    """The database or storage is unavailable: the mail server should retry."""


@dataclass(frozen=True)
class Thread:
    ticket: Ticket | None
    reason: str = ""
    ignored_tag: int | None = None


# --- settings -------------------------------------------------------------------------------


def max_mail_bytes() -> int:
    return int(getattr(settings, "PODPORA_MAIL_MAX_BYTES", 50 * 1024 * 1024))


_OWN_CACHE: dict[str, tuple[float, frozenset[str]]] = {}
_OWN_TTL = 30.0


def own_addresses() -> frozenset[str]:
    """Every address of ours: a copy to one of them is not a CC, and we never
    send automatic mail to it. Cached briefly: it is read for every mail."""
    now = time.monotonic()
    cached = _OWN_CACHE.get("all")
    if cached and now - cached[0] < _OWN_TTL:
        return cached[1]
    found = {a for box in Mailbox.objects.only("addresses") for a in box.address_list}
    found |= {a for _n, a in parsing._addresses([settings.DEFAULT_FROM_EMAIL])}
    result = frozenset(found)
    _OWN_CACHE["all"] = (now, result)
    return result


def forget_own_addresses() -> None:
    _OWN_CACHE.clear()


def own_message_id_domain() -> str:
    return str(getattr(settings, "PODPORA_MAIL_MESSAGE_ID_DOMAIN", "podpora.mail"))


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


# --- what processing reads ------------------------------------------------------------------


class Lookups:
    """What processing one mail reads and records, one query at a time.

    :class:`BatchLookups` answers the same questions for a whole batch from a
    few queries made up front, and remembers what the batch itself wrote.
    """

    def __init__(self) -> None:
        self._people: dict[str, User | None] = {}

    def preload(self, addresses: Iterable[str]) -> None:
        """Look up several people in one query (the people a mail copies)."""
        wanted = {normalize_email(a) for a in addresses} - set(self._people)
        if not wanted:
            return
        found = {u.email: u for u in User.objects.filter(email__in=sorted(wanted))}
        self._people.update((a, found.get(a)) for a in wanted)

    def user(self, address: str) -> User | None:
        key = normalize_email(address)
        if key in self._people:
            return self._people[key]
        return User.objects.filter(email=key).first()

    def customer(self, address: str, name: str) -> User:
        user = self._people.get(normalize_email(address))
        if user is None:
            user, _created = get_or_create_customer(address, full_name=name)
            self._people[user.email] = user
        return user

    def delivered(self, parsed: parsing.ParsedMail) -> tuple[int, int] | None:
        """(ticket, message) of the same mail (same Message-ID and sender)
        already received through another of our addresses."""
        if not parsed.message_id:
            return None
        return (
            Message.objects.filter(
                email_message_id=parsed.message_id,
                author__email=normalize_email(parsed.from_address),
            )
            .values_list("ticket_id", "pk")
            .first()
        )

    def references(self, ids: list[str]) -> dict[str, Ticket]:
        """Message-ID → ticket for those of ``ids`` we know (newest wins)."""
        found: dict[str, Ticket] = {}
        for ref in (
            MessageReference.objects.filter(email_message_id__in=ids)
            .select_related("ticket")
            .order_by("pk")
        ):
            found[ref.email_message_id] = ref.ticket
        return found

    def ticket_numbered(self, number: int) -> Ticket | None:
        return Ticket.objects.filter(number=number).first()

    def received(self, message: Message, message_id: str, *, author: str) -> None:
        """Record the Message-ID of a mail that became ``message``."""
        MessageReference.objects.create(
            email_message_id=message_id,
            ticket_id=message.ticket_id,
            message=message,
            direction=Direction.IN,
        )


_IN_CHUNK = 500  # values per IN (...) list, well under SQLite's parameter limit


def _chunks(values: Iterable[str | int]) -> Iterator[list]:
    items = sorted(set(values), key=str)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _in_chunks[Row](
    values: Iterable[str | int], query: Callable[[list], Iterable[Row]]
) -> list[Row]:
    """Every row ``query`` finds for ``values``, asked for a chunk at a time."""
    found: list[Row] = []
    for chunk in _chunks(values):
        found += query(chunk)
    return found


class BatchLookups(Lookups):
    """The lookups of a whole batch in four queries (people, Message-IDs of
    the threads, subject tags, earlier copies), plus what the batch wrote.

    A mail's writes become visible to the mails after it only when its
    savepoint is released (:meth:`keep`); a mail that fails takes its writes
    with it (:meth:`drop`), so a later mail never sees a rolled-back user or
    ticket. Message references are inserted together at the end
    (:meth:`flush`), inside the batch's transaction.
    """

    def __init__(self, mails: Iterable[parsing.ParsedMail]) -> None:
        super().__init__()
        addresses: set[str] = set()
        thread_ids: set[str] = set()
        numbers: set[int] = set()
        message_ids: set[str] = set()
        for parsed in mails:
            addresses.add(normalize_email(parsed.from_address))
            addresses.update(normalize_email(a) for _n, a in [*parsed.to, *parsed.cc])
            thread_ids.update(parsed.thread_ids)
            if parsed.message_id:
                message_ids.add(parsed.message_id)
            match = _TAG.search(parsed.subject)
            if match:
                numbers.add(int(match.group(1)))
        self._addresses = addresses
        self._users: dict[str, User] = {
            u.email: u
            for u in _in_chunks(addresses, lambda c: User.objects.filter(email__in=c))
        }
        self._thread_ids = thread_ids
        refs = _in_chunks(
            thread_ids,
            lambda c: MessageReference.objects.filter(
                email_message_id__in=c
            ).select_related("ticket"),
        )
        # Newest wins, as in Lookups.references.
        self._refs: dict[str, Ticket] = {
            r.email_message_id: r.ticket for r in sorted(refs, key=lambda r: r.pk)
        }
        self._numbers = numbers
        self._tickets: dict[int, Ticket] = {
            t.number: t
            for t in _in_chunks(numbers, lambda c: Ticket.objects.filter(number__in=c))
        }
        self._message_ids = message_ids
        copies = _in_chunks(
            message_ids,
            lambda c: Message.objects.filter(email_message_id__in=c).values_list(
                "pk", "ticket_id", "email_message_id", "author__email"
            ),
        )
        # The oldest copy, as in Lookups.delivered.
        self._delivered: dict[tuple[str, str], tuple[int, int]] = {}
        for pk, ticket_id, mid, author in sorted(copies):
            self._delivered.setdefault((mid, author or ""), (ticket_id, pk))
        self._staged: list[tuple[dict, object, object]] = []
        self._staged_refs: list[MessageReference] = []
        self._new_refs: list[MessageReference] = []

    def _stage(self, table: dict, key: object, value: object) -> None:
        self._staged.append((table, key, value))

    def keep(self) -> None:
        """The mail's savepoint was released: later mails see its writes."""
        for table, key, value in self._staged:
            table[key] = value
        self._new_refs += self._staged_refs
        self.drop()

    def drop(self) -> None:
        """The mail's savepoint was rolled back: forget its writes."""
        self._staged = []
        self._staged_refs = []

    def flush(self) -> None:
        MessageReference.objects.bulk_create(self._new_refs)
        self._new_refs = []

    def _staged_value(self, table: dict, key: object) -> object:
        for staged_table, staged_key, value in reversed(self._staged):
            if staged_table is table and staged_key == key:
                return value
        return table.get(key)

    def preload(self, addresses: Iterable[str]) -> None:
        pass  # the batch looked up everybody it names at the start

    def user(self, address: str) -> User | None:
        key = normalize_email(address)
        if key not in self._addresses:
            return super().user(address)
        return self._staged_value(self._users, key)  # type: ignore[return-value]

    def customer(self, address: str, name: str) -> User:
        key = normalize_email(address)
        user = self._staged_value(self._users, key) if key in self._addresses else None
        if user is None:
            # Not Lookups.customer: what it remembers is not undone with a
            # rolled-back mail, what is staged here is.
            user, _created = get_or_create_customer(address, full_name=name)
            self._stage(self._users, key, user)
        return user  # type: ignore[return-value]

    def delivered(self, parsed: parsing.ParsedMail) -> tuple[int, int] | None:
        if not parsed.message_id:
            return None
        if parsed.message_id not in self._message_ids:
            return super().delivered(parsed)
        key = (parsed.message_id, normalize_email(parsed.from_address))
        return self._staged_value(self._delivered, key)  # type: ignore[return-value]

    def references(self, ids: list[str]) -> dict[str, Ticket]:
        if not set(ids) <= self._thread_ids:
            return super().references(ids)
        found = {}
        for mid in ids:
            ticket = self._staged_value(self._refs, mid)
            if ticket is not None:
                found[mid] = ticket
        return found  # type: ignore[return-value]

    def ticket_numbered(self, number: int) -> Ticket | None:
        if number not in self._numbers:
            return super().ticket_numbered(number)
        return self._staged_value(self._tickets, number)  # type: ignore[return-value]

    def received(self, message: Message, message_id: str, *, author: str) -> None:
        ticket = message.ticket
        self._staged_refs.append(
            MessageReference(
                email_message_id=message_id,
                ticket=ticket,
                message=message,
                direction=Direction.IN,
            )
        )
        self._stage(self._refs, message_id, ticket)
        self._stage(self._tickets, ticket.number, ticket)
        if message.email_message_id:
            key = (message.email_message_id, normalize_email(author))
            self._stage(self._delivered, key, (message.ticket_id, message.pk))


# --- threading ----------------------------------------------------------------------------


def _current(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


_ANY_MESSAGE_ID = re.compile(rb"<([^<>\s]{3,250}@[^<>\s]{1,250})>")


def find_thread(
    parsed: parsing.ParsedMail,
    sender: User | None,
    *,
    raw: bytes = b"",
    lookups: Lookups | None = None,
) -> Thread:
    """Which ticket a mail belongs to, and why.

    Headers first (In-Reply-To, then References, newest first): a Message-ID
    is only known to people who received the thread. Then our subject tag,
    but only from someone who is on that ticket; a stranger's number opens a
    new ticket instead of writing into someone else's.
    """
    lookups = lookups or Lookups()
    ids = parsed.thread_ids
    if ids:
        refs = lookups.references(ids)
        for mid in ids:
            if mid in refs:
                header = "In-Reply-To" if mid in parsed.in_reply_to else "References"
                return Thread(_current(refs[mid]), f"{header}: <{mid}>")
    if raw:
        # A bounce quotes the headers of the mail that failed: find ours.
        quoted = [m.decode("ascii", "replace") for m in _ANY_MESSAGE_ID.findall(raw)]
        ref = (
            MessageReference.objects.filter(
                email_message_id__in=quoted[:200], direction=Direction.OUT
            )
            .select_related("ticket")
            .first()
        )
        if ref:
            return Thread(_current(ref.ticket), f"Bounce of <{ref.email_message_id}>")
    match = _TAG.search(parsed.subject)
    if match:
        number = int(match.group(1))
        ticket = lookups.ticket_numbered(number)
        if ticket is not None:
            ticket = _current(ticket)
            if sender is not None and _is_party(ticket, sender):
                return Thread(ticket, f"Subject tag #{number}")
            return Thread(None, ignored_tag=number)
    return Thread(None)


def _is_party(ticket: Ticket, user: User) -> bool:
    if user.pk == ticket.requester_id or user.is_agent:
        return True
    return ticket.cc.filter(pk=user.pk).exists()


# --- writing ---------------------------------------------------------------------------------


def clean_subject(subject: str) -> str:
    subject = _TAG.sub("", subject)
    subject = " ".join(subject.split())
    return subject or _("(no subject)")


def _cc_users(
    parsed: parsing.ParsedMail, sender: User, mailbox: Mailbox, lookups: Lookups
) -> list[User]:
    ours = own_addresses()
    wanted = []
    for _name, address in [*parsed.to, *parsed.cc]:
        if address in ours or address == sender.email or address in wanted:
            continue
        wanted.append(address)
    users = []
    names = {a: n for n, a in [*parsed.to, *parsed.cc]}
    lookups.preload(wanted[:_MAX_CC])
    for address in wanted[:_MAX_CC]:
        try:
            users.append(lookups.customer(address, names.get(address, "")))
        except AccountError:
            continue
    return users


def _open(
    mailbox: Mailbox,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    data: dict,
    lookups: Lookups,
    *,
    subject: str | None = None,
) -> Message:
    ticket = services.open_ticket(
        subject=subject or clean_subject(parsed.subject),
        requester=sender,
        channel=Channel.EMAIL,
        body_text=parsed.text or _("(no text)"),
        body_html=parsed.html,
        team=mailbox.default_team,
        cc=_cc_users(parsed, sender, mailbox, lookups),
        files=files,
        email_message_id=message_id,
        message_data=data,
        is_automatic=automatic,
        via=f"mail:{mailbox.name}",
    )
    return ticket.messages.order_by("pk").first()  # type: ignore[return-value]


def _add_to_thread(
    mailbox: Mailbox,
    ticket: Ticket,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    reason: str,
    data: dict,
    lookups: Lookups,
) -> Message:
    visible, trimmed = quotes.split_reply(parsed.text)
    if trimmed:
        data["mail"]["full_text"] = parsed.text
    body_html = parsed.html_reply
    via = f"mail:{data['mail']['mailbox']}"
    if sender.is_agent:
        # An agent answering by mail writes a note: a reply would go out to the
        # customer, which a quick mail from a phone should never do by accident.
        return services.add_note(
            ticket,
            author=sender,
            body_text=visible or _("(no text)"),
            body_html=body_html,
            files=files,
            via=via,
        )
    return services.add_customer_message(
        ticket,
        author=sender,
        body_text=visible or _("(no text)"),
        body_html=body_html,
        files=files,
        channel=Channel.EMAIL,
        email_message_id=message_id,
        is_automatic=automatic,
        thread_reason=reason,
        data=data,
        # Whom the customer copied joins the ticket's CC (a machine's copies
        # do not); agents are on the ticket anyway.
        cc=()
        if automatic
        else [u for u in _cc_users(parsed, sender, mailbox, lookups) if not u.is_agent],
        via=via,
    )


def _follow_up(
    mailbox: Mailbox,
    closed: Ticket,
    parsed: parsing.ParsedMail,
    sender: User,
    files: list[services.IncomingFile],
    message_id: str,
    automatic: bool,
    data: dict,
    lookups: Lookups,
) -> Message:
    """A reply to a closed ticket opens a new one, linked to the old."""
    data["mail"]["follow_up_of"] = closed.number
    data["mail"]["thread_reason"] = f"Follow-up of closed ticket #{closed.number}"
    subject = clean_subject(_REPLY_PREFIX.sub("", parsed.subject)) or closed.subject
    message = _open(
        mailbox,
        parsed,
        sender,
        files,
        message_id,
        automatic,
        data,
        lookups,
        subject=subject,
    )
    services.link_tickets(
        closed,
        message.ticket,
        kind=LinkKind.RELATED,
        actor=None,
        via="mail",
    )
    return message


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
