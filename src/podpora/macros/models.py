"""Macros: one click that answers, notes and sets a ticket's fields together."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.tickets.models import Priority, Status


class MacroQuerySet(models.QuerySet["Macro"]):
    def usable_by(self, user: object) -> "MacroQuerySet":
        """Shared macros and the user's own."""
        return self.filter(Q(owner__isnull=True) | Q(owner=user))


class Macro(models.Model):
    """What an agent does often to a ticket, saved to be done in one click.

    ``owner`` empty means shared with every agent. ``reply`` and ``note``
    are plain text with the canned replies' placeholders (``desk.canned``);
    an empty field, status, priority or team leaves the ticket's as it is.
    ``tags`` are added to the ticket's own, never taking any away.
    """

    title = models.CharField(_("title"), max_length=120)
    reply = models.TextField(_("public reply"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    status = models.CharField(
        _("status"), max_length=32, choices=Status.choices, blank=True
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
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

    objects = MacroQuerySet.as_manager()

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None
