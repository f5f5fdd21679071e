"""The audit log: who did what to configuration, permissions and security,
when, and from where. Rows are only ever added; the retention job is the one
way they leave (``services.forget_older_than``)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign-in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Sign-out")
    SESSION_ENDED = "session_ended", _("Session ended")
    TWO_FACTOR_ADDED = "2fa_added", _("Two-factor method added")
    TWO_FACTOR_REMOVED = "2fa_removed", _("Two-factor method removed")
    TWO_FACTOR_RESET = "2fa_reset", _("Recovery codes renewed")
    TWO_FACTOR_FAILED = "2fa_failed", _("Wrong two-factor code")
    ROLE_CHANGED = "role_changed", _("Role or rights changed")
    SETTINGS_CHANGED = "settings_changed", _("Settings changed")
    EXPORT = "export", _("Export")


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit entries are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit entries leave only through the retention job.")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept as text too: the entry outlives a deleted account, and a failed
    # sign-in names an address that may belong to nobody.
    actor_email = models.CharField(_("who (e-mail)"), max_length=254, blank=True)
    address = models.CharField(_("from"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    target = models.CharField(_("what"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "-at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.actor_email}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit entries leave only through the retention job.")
