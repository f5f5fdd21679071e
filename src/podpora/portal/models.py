"""Portal configuration an administrator controls from Django's admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import User


class PortalSettings(models.Model):
    """A single row (pk 1): who may register, what customers may choose."""

    self_registration = models.BooleanField(
        _("customers may register themselves"),
        default=False,
        help_text=_(
            "When off, only people invited by an agent (or known from e-mail) "
            "can get an account."
        ),
    )
    customers_choose_priority = models.BooleanField(
        _("customers may choose the priority"),
        default=False,
        help_text=_("When off, every portal request starts at normal priority."),
    )
    public_form = models.BooleanField(
        _("public request form for people without an account"), default=True
    )
    public_requests_per_hour = models.PositiveIntegerField(
        _("public requests per hour from one address"),
        default=10,
        help_text=_("More are refused with “too many requests”."),
    )
    follow_link_days = models.PositiveIntegerField(
        _("follow links are valid for (days)"), default=90
    )

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return str(_("Portal settings"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def load(cls) -> "PortalSettings":
        found, _created = cls.objects.get_or_create(pk=1)
        return found


class Customer(User):
    """Customers as the portal's admin page lists them, to invite them in bulk."""

    class Meta:
        proxy = True
        verbose_name = _("customer")
        verbose_name_plural = _("customers (portal invitations)")
