"""Storing attachments safely: our own key, a size limit, a hash, a sniffed type."""

import hashlib
import mimetypes
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile

from podpora.tickets.errors import AttachmentRejected

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
