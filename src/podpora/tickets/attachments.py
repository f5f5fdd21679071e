"""Storing attachments safely: our own key, a size limit, a hash, a sniffed type.

A file is written all or nothing: a full disk leaves no truncated file and
answers :class:`StorageFull`, and a file whose row is rolled back (an error
later in the request, a database gone at commit) is deleted again. A process
killed between the write and the rollback can still leave a file behind;
:func:`sweep_orphans` (daily, ``tickets.jobs``) removes those once they
are an hour old.
"""

import errno
import hashlib
import mimetypes
import unicodedata
import weakref
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import filetype
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.tickets.errors import AttachmentRejected, TicketError


class StorageFull(TicketError):
    """The disk (or the quota) of the file storage is full: nothing was kept."""

    code = "storage_full"


# Folders of the default storage that hold only files rows point at; anything
# else there (backups, exports a person put there) is never swept.
SWEPT_FOLDERS = ("attachments", "drafts", "mail/inbound", "portal/pending")
ORPHAN_AGE = timedelta(hours=1)
_BATCH = 500
_FULL = {errno.ENOSPC, errno.EDQUOT}

# Types a browser could execute or render as a page are never given as such:
# they are served as downloads of application/octet-stream.
_ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "application/javascript",
    "text/javascript",
}


@dataclass(frozen=True)
class IncomingFile:
    """A file on its way in, from an upload, a mail part or the API."""

    name: str
    content: bytes
    declared_type: str = ""
    content_id: str = ""
    inline: bool = False


def clean_name(name: str) -> str:
    """The sender's file name, fit to show: no path, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:255] or "attachment"


def sniff_type(content: bytes, name: str, declared: str = "") -> str:
    """The content type from the bytes themselves, falling back to the name;
    never one that a browser would execute."""
    kind = filetype.guess(content[:8192])
    if kind is not None:
        guessed = kind.mime
    else:
        guessed = (
            mimetypes.guess_type(name)[0] or declared or "application/octet-stream"
        )
        if guessed.startswith("image/"):
            # A file that claims to be an image but has no image signature is not one.
            guessed = "application/octet-stream"
    if guessed in _ACTIVE_TYPES:
        return "application/octet-stream"
    return guessed


def prepare(incoming: IncomingFile) -> tuple[ContentFile, dict[str, object]]:
    limit = settings.PODPORA_MAX_ATTACHMENT_BYTES
    if len(incoming.content) > limit:
        raise AttachmentRejected(
            f"{clean_name(incoming.name)} is larger than the limit of {limit // (1024 * 1024)} MB."
        )
    name = clean_name(incoming.name)
    fields = {
        "original_name": name,
        "size": len(incoming.content),
        "sha256": hashlib.sha256(incoming.content).hexdigest(),
        "content_type": sniff_type(incoming.content, name, incoming.declared_type),
        "content_id": incoming.content_id.strip("<> ")[:255],
        "is_inline": incoming.inline,
    }
    return ContentFile(incoming.content, name="upload"), fields


def save_file(field_file: FieldFile, content: File) -> None:
    """Write ``content`` under the field's own name, all or nothing.

    A full disk raises :class:`StorageFull` and leaves no partial file; the
    written file is deleted again if the current transaction (or savepoint)
    rolls back. The row itself is the caller's to save."""
    field = field_file.field
    instance = field_file.instance
    storage = field_file.storage
    name = field.generate_filename(instance, "upload")
    taken = storage.exists(name)  # never delete a file that was there before
    try:
        saved = storage.save(name, content, max_length=field.max_length)
    except OSError as error:
        if not taken:
            with suppress(OSError):
                storage.delete(name)
        if error.errno in _FULL:
            raise StorageFull(
                _(
                    "The file could not be stored: the server's disk is full. "
                    "Nothing was saved; please try again later or tell the administrator."
                )
            ) from error
        raise
    setattr(instance, field.attname, saved)
    delete_on_rollback(storage, saved)


def delete_on_rollback(storage: Storage, name: str) -> None:
    """Delete ``name`` unless the current transaction commits.

    Django has no rollback hook, but it drops the on-commit callbacks of a
    transaction or savepoint that rolls back (or of a connection that is
    closed after a failed commit): the callback registered here is then freed
    without having run, and its finalizer deletes the file. Outside a
    transaction the callback runs at once and the file is kept."""
    kept: list[bool] = []

    def keep() -> None:
        kept.append(True)

    weakref.finalize(keep, _delete_unless_kept, storage, name, kept)
    transaction.on_commit(keep, robust=True)


def _delete_unless_kept(storage: Storage, name: str, kept: list[bool]) -> None:
    if not kept:
        with suppress(OSError):
            storage.delete(name)


# --- sweeping ------------------------------------------------------------------------


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file_name in files:
        yield f"{folder}/{file_name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")


def _file_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def _referenced(names: list[str]) -> set[str]:
    """Those of ``names`` that any row of any model points at (the base manager:
    a row hidden from the default one still keeps its file)."""
    found: set[str] = set()
    for model, field_name in _file_fields():
        found.update(
            model._base_manager.filter(**{f"{field_name}__in": names}).values_list(
                field_name, flat=True
            )
        )
    return found


def sweep_orphans(
    *, now: datetime | None = None, older_than: timedelta = ORPHAN_AGE
) -> list[str]:
    """Delete the files of :data:`SWEPT_FOLDERS` older than ``older_than`` that no
    row references (a process killed before its rollback); returns their names.

    Young files are left alone: their row may not be committed yet."""
    storage = storages["default"]
    cutoff = (now or timezone.now()) - older_than
    deleted: list[str] = []

    def sweep(batch: list[str]) -> None:
        referenced = _referenced(batch)
        for name in batch:
            if name not in referenced:
                with suppress(FileNotFoundError):
                    storage.delete(name)
                deleted.append(name)

    batch: list[str] = []
    for folder in SWEPT_FOLDERS:
        for name in _walk(storage, folder):
            try:
                if storage.get_modified_time(name) >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            batch.append(name)
            if len(batch) >= _BATCH:
                sweep(batch)
                batch = []
    if batch:
        sweep(batch)
    return deleted
