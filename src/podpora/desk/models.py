"""Data the desk keeps for agents: canned replies, and the ticket counts its
sidebar reads (``desk.counts``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
