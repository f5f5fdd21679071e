"""Portal configuration an administrator controls from Django's admin."""

from django.db import models
from django.utils import timezone
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


class PendingRequest(models.Model):
    """A public-form request waiting for its sender to confirm the address.

    Nothing is opened and nothing the sender typed is mailed until the link
    in the confirmation mail is used: a stranger's address typed into the
    form gets one plain mail, never the stranger's words.
    """

    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("description"))
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("request awaiting confirmation")
        verbose_name_plural = _("requests awaiting confirmation")

    def __str__(self) -> str:
        return self.email


class PendingFile(models.Model):
    request = models.ForeignKey(
        PendingRequest, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(upload_to="portal/pending/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return self.name


class FollowLink(models.Model):
    """One recipient's sign-in-free link to one ticket.

    Each person a ticket's mails go to (the requester, each CC) has their own
    key, so an agent can revoke one person's link and leave the others. The
    mailed token carries the key signed with a timestamp
    (``portal.links``); a revoked row keeps answering "revoked".
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="follow_links"
    )
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="follow_links"
    )
    key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow link")
        verbose_name_plural = _("follow links")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "recipient"],
                condition=models.Q(revoked_at__isnull=True),
                name="portal_one_live_follow_link_per_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.recipient_id}"
