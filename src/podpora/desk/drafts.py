"""Drafts of replies and notes (``desk.models.Draft``), kept per agent, ticket
and kind: the only code that writes them.

The ticket page saves the text as the agent types and shows it again after
a reload; a send that does not go through (someone changed the ticket, an
error) keeps its files here too, so the agent never attaches them again.
Sending discards the draft.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from podpora.accounts.models import User
from podpora.desk.models import Draft, DraftFile, DraftKind
from podpora.tickets.attachments import (
    IncomingFile,
    StorageFull,
    clean_name,
    save_file,
)
from podpora.tickets.models import Message, Ticket


def drafts_of(agent: User, ticket: Ticket) -> dict[str, Draft]:
    """The agent's drafts on the ticket by kind, with their files."""
    found = list(Draft.objects.filter(agent=agent, ticket=ticket))
    prefetch_related_objects(found, "files")
    return {draft.kind: draft for draft in found}


def save_text(
    agent: User, ticket: Ticket, kind: DraftKind, body: str, *, since: datetime | None
) -> bool:
    """Keep what the agent has typed so far; an empty box forgets the draft
    (unless it keeps files).

    ``since`` is when the page the text comes from was shown. If the agent
    has sent a message of this kind after that, the text is the one just
    sent (an autosave that arrived after the send) and is not kept: False.
    """
    if (
        since is not None
        and Message.objects.filter(
            ticket=ticket, author=agent, kind=kind, created_at__gt=since
        ).exists()
    ):
        return False
    if not body.strip():
        Draft.objects.filter(
            agent=agent, ticket=ticket, kind=kind, files__isnull=True
        ).delete()
        Draft.objects.filter(agent=agent, ticket=ticket, kind=kind).update(
            body="", updated_at=timezone.now()
        )
        return True
    Draft.objects.update_or_create(
        agent=agent,
        ticket=ticket,
        kind=kind,
        defaults={"body": body, "updated_at": timezone.now()},
    )
    return True


@transaction.atomic
def keep(
    agent: User,
    ticket: Ticket,
    kind: DraftKind,
    *,
    body: str,
    files: Sequence[IncomingFile],
) -> list[DraftFile]:
    """Keep the text and the new files of a send that did not go through;
    the files kept, to be offered with the text again. A file over the
    attachment limit is not kept: the send refused it for that."""
    limit = settings.PODPORA_MAX_ATTACHMENT_BYTES
    files = [f for f in files if len(f.content) <= limit]
    if not files:
        save_text(agent, ticket, kind, body, since=None)
        return []
    draft, _created = Draft.objects.update_or_create(
        agent=agent,
        ticket=ticket,
        kind=kind,
        defaults={"body": body, "updated_at": timezone.now()},
    )
    kept = []
    for incoming in files:
        draft_file = DraftFile(
            draft=draft,
            name=clean_name(incoming.name),
            content_type=incoming.declared_type[:127],
            size=len(incoming.content),
        )
        try:
            save_file(draft_file.file, ContentFile(incoming.content))
        except StorageFull:
            break  # the send failed for the same reason and says so; the text is kept
        draft_file.save()
        kept.append(draft_file)
    return kept


def kept_files(
    agent: User, ticket: Ticket, kind: DraftKind, ids: Iterable[str]
) -> list[DraftFile]:
    """The files of the agent's draft among ``ids`` (as the form sent them):
    another agent's, ticket's or kind's files are never among them."""
    wanted = {int(pk) for pk in ids if str(pk).isdigit()}
    if not wanted:
        return []
    return list(
        DraftFile.objects.filter(
            pk__in=wanted, draft__agent=agent, draft__ticket=ticket, draft__kind=kind
        )
    )


def as_incoming(files: Iterable[DraftFile]) -> list[IncomingFile]:
    incoming = []
    for kept in files:
        with kept.file.open("rb") as handle:
            content = handle.read()
        incoming.append(IncomingFile(kept.name, content, kept.content_type))
    return incoming


def discard(agent: User, ticket: Ticket, kind: DraftKind) -> None:
    """The draft was sent: forget its text and its files."""
    names = list(
        DraftFile.objects.filter(
            draft__agent=agent, draft__ticket=ticket, draft__kind=kind
        ).values_list("file", flat=True)
    )
    Draft.objects.filter(agent=agent, ticket=ticket, kind=kind).delete()
    storage = DraftFile._meta.get_field("file").storage  # type: ignore[attr-defined]
    for name in names:
        transaction.on_commit(partial(storage.delete, name), robust=True)
