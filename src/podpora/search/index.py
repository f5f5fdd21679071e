"""Writing search documents: one per ticket, rebuilt whole on each change.

Rebuilding the whole document keeps it simple and always right (merges and
moved messages included); a ticket's thread is small next to the cost of the
change that triggered it.
"""

import re
from collections.abc import Iterable

from django.db import connection, transaction

from podpora.search.models import SearchDocument
from podpora.search.text import fold
from podpora.tickets.models import PUBLIC_MESSAGE_KINDS, Attachment, Message, Ticket

# tsvector values are limited to 1 MB; the start of a long thread is what
# people search for anyway.
MAX_TEXT = 200_000
_PUNCTUATION = re.compile(r"[@._\-/\\]+")


def _split(text: str) -> str:
    """The text and its pieces between punctuation: PostgreSQL's parser keeps
    "anna@kowalski.pl" and "raport_bledow.pdf" as single tokens."""
    pieces = _PUNCTUATION.sub(" ", text)
    return text if pieces == text else f"{text} {pieces}"


def _people(ticket: Ticket) -> str:
    requester = ticket.requester
    parts = [requester.full_name, _split(requester.email)]
    if ticket.organization_id:
        parts.append(ticket.organization.name)  # type: ignore[union-attr]
    return " ".join(p for p in parts if p)


def build_documents(tickets: list[Ticket]) -> list[SearchDocument]:
    """Documents for a batch of tickets (requester and organisation loaded)
    in three queries, whatever the batch size."""
    ids = [t.pk for t in tickets]
    public: dict[int, list[str]] = {pk: [] for pk in ids}
    internal: dict[int, list[str]] = {pk: [] for pk in ids}
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    for ticket_id, kind, text in (
        Message.objects.filter(ticket_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("ticket_id", "kind", "body_text")
    ):
        (public if kind in PUBLIC_MESSAGE_KINDS else internal)[ticket_id].append(text)
    for ticket_id, name, kind in Attachment.objects.filter(
        ticket_id__in=ids
    ).values_list("ticket_id", "original_name", "message__kind"):
        side = public if kind is None or kind in PUBLIC_MESSAGE_KINDS else internal
        side[ticket_id].append(_split(name))
    for ticket_id, name in Ticket.tags.through.objects.filter(
        ticket_id__in=ids
    ).values_list("ticket_id", "tag__name"):
        tags[ticket_id].append(name)
    return [
        SearchDocument(
            ticket=ticket,
            title=f"#{ticket.number} {ticket.number} {ticket.subject}",
            people=_people(ticket),
            tags=" ".join(sorted(tags[ticket.pk])),
            public_text="\n".join(public[ticket.pk])[:MAX_TEXT],
            internal_text="\n".join(internal[ticket.pk])[:MAX_TEXT],
        )
        for ticket in tickets
    ]


def _write_fts(documents: Iterable[SearchDocument]) -> None:
    rows = [
        (
            d.ticket_id,
            fold(d.title),
            fold(d.people),
            fold(d.tags),
            fold(d.public_text),
            fold(d.internal_text),
        )
        for d in documents
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM search_fts WHERE rowid = %s", [(r[0],) for r in rows]
        )
        cursor.executemany(
            "INSERT INTO search_fts (rowid, title, people, tags, public_text, internal_text)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )


def save_documents(documents: list[SearchDocument]) -> None:
    if not documents:
        return
    with transaction.atomic():
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["ticket"],
            update_fields=["title", "people", "tags", "public_text", "internal_text"],
        )
        if connection.vendor == "sqlite":
            _write_fts(documents)


def index_ticket(ticket: Ticket) -> None:
    ticket = Ticket.objects.select_related("requester", "organization").get(
        pk=ticket.pk
    )
    save_documents(build_documents([ticket]))


def remove_all() -> None:
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_fts")
