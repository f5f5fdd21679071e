"""Writing search documents: one per ticket, rebuilt whole on each change.

Rebuilding the whole document keeps it simple and always right (merges and
moved messages included); a ticket's thread is small next to the cost of the
change that triggered it.
"""

import re
from collections.abc import Iterable

from django.db import connection, transaction

from podpora.search.models import SearchDocument
from podpora.search.text import index_text
from podpora.tickets.models import (
    PUBLIC_MESSAGE_KINDS,
    Attachment,
    Message,
    Tag,
    Ticket,
)

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


def _rows(sql: str, ids: list[int]) -> list[tuple]:
    # Plain SQL: this runs inside every ticket change, where the ORM's query
    # building would cost more than the queries themselves.
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=marks), ids)
        return cursor.fetchall()


def build_documents(tickets: list[Ticket]) -> list[SearchDocument]:
    """Documents for a batch of tickets (requester and organisation loaded)
    in three queries, whatever the batch size."""
    public: dict[int, list[str]] = {t.pk: [] for t in tickets}
    internal: dict[int, list[str]] = {t.pk: [] for t in tickets}
    tags: dict[int, list[str]] = {t.pk: [] for t in tickets}
    if tickets:
        _read_content([t.pk for t in tickets], public, internal, tags)
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


def _read_content(
    ids: list[int],
    public: dict[int, list[str]],
    internal: dict[int, list[str]],
    tags: dict[int, list[str]],
) -> None:
    message = Message._meta.db_table
    attachment = Attachment._meta.db_table
    tag = Tag._meta.db_table
    ticket_tags = Ticket.tags.through._meta.db_table
    public_kinds = set(PUBLIC_MESSAGE_KINDS)
    for ticket_id, kind, text in _rows(
        f"SELECT ticket_id, kind, body_text FROM {message} "  # noqa: S608
        "WHERE ticket_id IN ({ids}) ORDER BY created_at, id",
        ids,
    ):
        (public if kind in public_kinds else internal)[ticket_id].append(text)
    for ticket_id, name, kind in _rows(
        f"SELECT a.ticket_id, a.original_name, m.kind FROM {attachment} a "  # noqa: S608
        f"LEFT JOIN {message} m ON m.id = a.message_id WHERE a.ticket_id IN ({{ids}})",
        ids,
    ):
        side = public if kind is None or kind in public_kinds else internal
        side[ticket_id].append(_split(name))
    for ticket_id, name in _rows(
        f"SELECT tt.ticket_id, t.name FROM {ticket_tags} tt "  # noqa: S608
        f"JOIN {tag} t ON t.id = tt.tag_id WHERE tt.ticket_id IN ({{ids}})",
        ids,
    ):
        tags[ticket_id].append(name)


def _write_fts(documents: Iterable[SearchDocument], *, new: bool = False) -> None:
    rows = [
        (
            d.ticket_id,
            index_text(d.title),
            index_text(d.people),
            index_text(d.tags),
            index_text(d.public_text),
            index_text(d.internal_text),
        )
        for d in documents
    ]
    with connection.cursor() as cursor:
        if not new:
            cursor.executemany(
                "DELETE FROM search_fts WHERE rowid = %s", [(r[0],) for r in rows]
            )
        cursor.executemany(
            "INSERT INTO search_fts (rowid, title, people, tags, public_text, internal_text)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )


def save_documents(documents: list[SearchDocument], *, new: bool = False) -> None:
    """Store ``documents``; ``new`` when none of their tickets has one yet."""
    if not documents:
        return
    # Inside a ticket change this joins its transaction (no savepoint needed:
    # a failure here fails the change, as it must).
    with transaction.atomic(savepoint=False):
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["ticket"],
            update_fields=["title", "people", "tags", "public_text", "internal_text"],
        )
        if connection.vendor == "sqlite":
            _write_fts(documents, new=new)


def _people_loaded(ticket: Ticket) -> bool:
    fields = Ticket._meta
    return fields.get_field("requester").is_cached(ticket) and (  # type: ignore[attr-defined]
        ticket.organization_id is None
        or fields.get_field("organization").is_cached(ticket)  # type: ignore[attr-defined]
    )


def index_ticket(ticket: Ticket, *, new: bool = False) -> None:
    """Rebuild the ticket's document. ``ticket`` must be current (as the
    ticket hooks hand it over); ``new`` when it has no document yet."""
    if not _people_loaded(ticket):
        ticket = Ticket.objects.select_related("requester", "organization").get(
            pk=ticket.pk
        )
    save_documents(build_documents([ticket]), new=new)


def remove_all() -> None:
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_fts")
