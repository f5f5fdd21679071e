"""Data the desk keeps for agents: canned replies, drafts of replies and
notes, saved views, and the ticket counts its sidebar reads (``desk.counts``)."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from podpora.search.filters import TicketFilters


class CannedReplyQuerySet(models.QuerySet["CannedReply"]):
    def usable_by(self, user: object) -> "CannedReplyQuerySet":
        """Shared replies and the user's own."""
        return self.filter(Q(owner__isnull=True) | Q(owner=user))


class CannedReply(models.Model):
    """A ready answer an agent inserts into the reply box.

    ``owner`` empty means shared with every agent. The body is plain text
    with placeholders (``{{ requester_name }}``); see ``desk.canned``.
    """

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = CannedReplyQuerySet.as_manager()

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


class SavedView(models.Model):
    """Filters and a sort an agent saved under a name (``desk.saved_views``).

    ``query`` is a filter of the one filter language (``search.filters``),
    as ``TicketFilters.query_string`` writes it. Without a ``team`` the view
    is its owner's own; with one, every agent of the team sees it. Either
    way it shows only the tickets its viewer may see: "me" and "my teams"
    in it mean the viewer.
    """

    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
        verbose_name=_("shared with team"),
    )
    query = models.TextField(_("filters"), blank=True)
    sort = models.CharField(_("sort"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.team_id is not None

    @property
    def key(self) -> str:
        """Its key among the sidebar's links and counts."""
        return f"view-{self.pk}"

    @property
    def filters(self) -> "TicketFilters":
        """The stored filters; a value the language no longer accepts is
        left out rather than breaking the page."""
        from django.http import QueryDict

        from podpora.search.filters import InvalidFilters, parse

        try:
            return parse(self.query)
        except InvalidFilters as invalid:
            kept = QueryDict(self.query, mutable=True)
            for name in invalid.errors:
                kept.pop(name, None)
            return parse(kept)


class QueueCount(models.Model):
    """How many tickets have one team, assignee and status.

    Derived data, kept exact by ``desk.counts``: the ticket hook adds each
    change as a delta in the ticket's own transaction, and
    ``podpora manage desk_recount`` builds it again from the tickets. The
    sidebar adds up these few hundred rows instead of counting tickets.

    ``team_id`` and ``assignee_id`` are 0 for none: plain numbers rather
    than foreign keys, so that "none" is one row like any other (NULLs are
    never equal in a unique constraint) and no lock is taken on the team or
    the person when a count changes.
    """

    team_id = models.IntegerField()
    assignee_id = models.IntegerField()
    status = models.CharField(max_length=32)
    tickets = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team_id", "assignee_id", "status"], name="queue_count_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.assignee_id}/{self.status}: {self.tickets}"


class DraftKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class Draft(models.Model):
    """A reply or note an agent is writing on a ticket, kept until it is sent.

    The text is saved as the agent types (``desk.drafts``); files chosen
    for a send that did not go through (a conflict, an error) are kept with
    it, so nothing the agent typed or attached is lost to a reload.
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=DraftKind.choices)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "ticket", "kind"], name="draft_agent_ticket_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} draft of #{self.ticket_id} by {self.agent_id}"


def draft_file_key(instance: "DraftFile", filename: str) -> str:
    # Our own name, as for attachments: the uploader's name is metadata only.
    return f"drafts/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class DraftFile(models.Model):
    """A file kept with a draft, attached when the draft is sent."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=draft_file_key, max_length=255)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127, blank=True)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
