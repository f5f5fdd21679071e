"""Step 1: the raw mail and its log row, committed before anything else is
tried, so that from here on the mail cannot be lost; for one mail
(:func:`store`) or a batch (:func:`store_batch`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction

from podpora.mail import parsing
from podpora.mail.intake.lookups import _chunks
from podpora.mail.models import InboundMail, Mailbox


class TemporaryFailure(Exception):
    """The database or storage is unavailable: the mail server should retry."""


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
        except DatabaseError:
            # No row points at the copy: the sender's server keeps the mail
            # and delivers it again.
            inbound.raw.delete(save=False)
            raise
        return inbound, True
    except (DatabaseError, OSError) as exc:
        raise TemporaryFailure(str(exc)) from exc


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
        except DatabaseError as error:
            # No row points at the copies: delete them. The sender's server
            # (or the next poll) delivers the mails again.
            for row in new.values():
                row.raw.delete(save=False)
            if not isinstance(error, IntegrityError):
                raise
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
