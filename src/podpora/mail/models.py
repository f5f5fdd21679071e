"""Mailboxes, the inbound log, thread references and outgoing mail."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailboxKind(models.TextChoices):
    IMAP = "imap", _("IMAP (polled)")
    PIPE = "pipe", _("Pipe from the mail server")


class Security(models.TextChoices):
    TLS = "tls", _("TLS")
    STARTTLS = "starttls", _("STARTTLS")
    PLAIN = "plain", _("None (only for a server on this machine)")


class AfterImport(models.TextChoices):
    KEEP = "keep", _("Keep in the folder, marked as imported")
    MOVE = "move", _("Move to another folder")


class UnknownSenders(models.TextChoices):
    ACCEPT = "accept", _("Open a ticket")
    HOLD = "hold", _("Hold for review")


class Mailbox(models.Model):
    name = models.SlugField(_("name"), max_length=64, unique=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=MailboxKind.choices, default=MailboxKind.IMAP
    )
    addresses = models.TextField(
        _("addresses"),
        help_text=_("Addresses this mailbox receives for, one per line."),
    )
    host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=8, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=255, blank=True)
    # Entered by the administrator; never part of the repository or fixtures.
    password = models.CharField(_("password"), max_length=255, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    after_import = models.CharField(
        _("after import"),
        max_length=8,
        choices=AfterImport.choices,
        default=AfterImport.KEEP,
    )
    move_to = models.CharField(_("move to folder"), max_length=255, blank=True)
    poll_seconds = models.PositiveIntegerField(_("poll every (seconds)"), default=60)
    default_team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team for new tickets"),
    )
    unknown_senders = models.CharField(
        _("senders without an organisation"),
        max_length=8,
        choices=UnknownSenders.choices,
        default=UnknownSenders.ACCEPT,
    )
    verify_senders = models.BooleanField(
        _("verify senders"),
        default=True,
        help_text=_(
            "Hold mail that claims to be from an agent, or writes into an "
            "existing ticket, unless the receiving server verified the sender "
            "or the mail answers one we sent to that address."
        ),
    )
    trusted_authserv_ids = models.CharField(
        _("trusted receiving servers"),
        max_length=500,
        blank=True,
        help_text=_(
            "Names (authserv-id) of your own mail servers whose "
            "Authentication-Results headers are believed, separated by spaces. "
            "Leave empty if your servers add none."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The polling lease: taken by a compare-and-set UPDATE, so one mailbox is
    # never read by two workers at once (see ``mail.imap.poll``).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    next_poll_at = models.DateTimeField(default=timezone.now)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        from podpora.mail.intake import forget_own_addresses

        forget_own_addresses()

    @property
    def trusted_ids(self) -> frozenset[str]:
        return frozenset(self.trusted_authserv_ids.lower().split())

    @property
    def address_list(self) -> list[str]:
        return [
            a.strip().lower()
            for a in self.addresses.replace(",", "\n").splitlines()
            if "@" in a
        ]


class InboundState(models.TextChoices):
    STORED = "stored", _("Stored, not processed yet")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")
    HELD = "held", _("Held for review")
    DUPLICATE = "duplicate", _("Duplicate, ignored")
    IGNORED = "ignored", _("Ignored (bounce or loop)")
    DISCARDED = "discarded", _("Discarded by an administrator")


def raw_mail_key(instance: "InboundMail", filename: str) -> str:
    return f"mail/inbound/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.eml"


class InboundMail(models.Model):
    """Every mail that reached us, stored raw before anything else happens."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="inbound"
    )
    email_message_id = models.CharField(max_length=998)
    sha256 = models.CharField(max_length=64)
    raw = models.FileField(upload_to=raw_mail_key, max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    state = models.CharField(
        max_length=12, choices=InboundState.choices, default=InboundState.STORED
    )
    reason = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    sender_kind = models.CharField(max_length=16, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imap_uid = models.BigIntegerField(null=True, blank=True)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("received mail")
        verbose_name_plural = _("received mails")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "email_message_id", "sha256"],
                name="inbound_mail_once",
            )
        ]
        indexes = [
            models.Index(fields=["state", "-received_at"], name="inbound_state"),
            models.Index(fields=["email_message_id"], name="inbound_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.email_message_id} ({self.state})"


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class MessageReference(models.Model):
    """Every Message-ID we stored or sent, so a reply finds its ticket."""

    email_message_id = models.CharField(max_length=998, db_index=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.email_message_id


class OutboundState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent (robot or limit)")


class OutboundMail(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=32)
    email_message_id = models.CharField(max_length=255, unique=True)
    recipient = models.EmailField(max_length=254)
    recipient_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_automatic = models.BooleanField(default=False)
    context = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=12, choices=OutboundState.choices, default=OutboundState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbound_due")
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.state})"


class AutoMailCounter(models.Model):
    """Automatic mails sent to one address in one hour: the storm brake."""

    address = models.CharField(max_length=254)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["address", "hour"], name="auto_mail_hour")
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.hour:%Y-%m-%d %H}: {self.count}"
