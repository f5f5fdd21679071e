"""One search document per ticket, rewritten in the transaction of every change.

The engine-specific index lives beside this table: on PostgreSQL two
generated ``tsvector`` columns (public and all text) with GIN indexes and a
trigram index on the subject; on SQLite an FTS5 table keyed by the ticket id.
Both are created by this app's migrations (see docs/search.md).
"""

from django.db import models

from podpora.tickets.models import Ticket


class SearchDocument(models.Model):
    ticket = models.OneToOneField(
        Ticket,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
    )
    # Number and subject: the "title" hits that rank first.
    title = models.TextField(blank=True)
    # Requester name and e-mail, organisation.
    people = models.TextField(blank=True)
    # Agent-only: never matched for customers.
    tags = models.TextField(blank=True)
    # Customer messages, public replies and the names of their files.
    public_text = models.TextField(blank=True)
    # Internal notes, system lines and the names of their files: agents only.
    internal_text = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"search document of {self.ticket_id}"
