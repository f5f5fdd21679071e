"""Tickets, their threads, attachments and append-only history.

Models describe data; every write goes through ``tickets.services``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Tier


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    Status.NEW,
    Status.OPEN,
    Status.WAITING_CUSTOMER,
    Status.WAITING_THIRD_PARTY,
)
WAITING_STATUSES = (Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY)


class Priority(models.IntegerChoices):
    # Integers so that "ORDER BY priority" sorts by urgency.
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(_("active"), default=True)
    customer_selectable = models.BooleanField(
        _("customers may choose it"), default=True
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketNumberCounter(models.Model):
    """One row per counter; see ``tickets.numbering`` and docs/adr/0002."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Ticket(models.Model):
    number = models.BigIntegerField(_("number"), unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=255)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        verbose_name=_("requester"),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("organisation"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    tier = models.PositiveSmallIntegerField(
        _("support tier"), choices=Tier.choices, default=Tier.FIRST
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="tickets", verbose_name=_("tags")
    )
    cc = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cc_tickets",
        verbose_name=_("CC"),
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="watched_tickets",
        verbose_name=_("watchers"),
    )
    remote_session_id = models.CharField(
        _("remote session ID"),
        max_length=64,
        blank=True,
        help_text=_("TeamViewer, AnyDesk or similar session used for this ticket."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_tickets",
        verbose_name=_("merged into"),
    )
    # Bumped on every change: the desk warns about edits made since a page was
    # loaded and the API uses it as the ETag.
    version = models.PositiveIntegerField(default=1, editable=False)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_customer_activity_at = models.DateTimeField(null=True, blank=True)
    last_agent_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(
                fields=["status", "-updated_at"], name="ticket_status_updated"
            ),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["team", "status"], name="ticket_team_status"),
            models.Index(
                fields=["organization", "-created_at"], name="ticket_org_created"
            ),
            models.Index(
                fields=["requester", "-created_at"], name="ticket_requester_created"
            ),
            models.Index(fields=["-created_at"], name="ticket_created"),
            models.Index(fields=["-updated_at"], name="ticket_updated"),
            # The portal's organisation list, newest update first.
            models.Index(
                fields=["organization", "-updated_at"], name="ticket_org_updated"
            ),
            # Desk queues over open tickets (a few per cent of the table),
            # read in the order they are shown so that a page stops after
            # its 51 rows however many tickets there are: "mine" by
            # assignee, team queues by team, and the usual other orders
            # (oldest first, by priority).
            models.Index(
                fields=["assignee", "-updated_at"],
                name="ticket_open_assignee_upd",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["team", "-updated_at"],
                name="ticket_open_team_upd",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # "Unassigned in my teams" (my teams or none): its open tickets
            # newest first, the teams checked on the way. By assignee, it
            # read past every assigned or closed ticket in update order.
            models.Index(
                fields=["-updated_at"],
                name="ticket_unassigned_upd",
                condition=models.Q(assignee__isnull=True, status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["team", "number"],
                name="ticket_open_team_number",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["priority", "number"],
                name="ticket_open_priority",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def reference(self) -> str:
        """The tag put in mail subjects and shown to people: ``#10042``."""
        return f"#{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("System message")


PUBLIC_MESSAGE_KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY)


class DeliveryStatus(models.TextChoices):
    NONE = "", _("Not sent by mail")
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    """One entry of a ticket's thread."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, blank=True
    )
    body_text = models.TextField(_("text"), blank=True)
    # Always sanitised before it is stored (``tickets.html.sanitize``).
    body_html = models.TextField(_("HTML"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    time_spent_minutes = models.PositiveIntegerField(
        _("time spent (minutes)"), default=0
    )
    is_automatic = models.BooleanField(
        default=False,
        help_text=_("Sent or received by a machine (auto-reply, bounce, alert)."),
    )
    email_message_id = models.CharField(max_length=998, blank=True, db_index=True)
    delivery_status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        blank=True,
        default=DeliveryStatus.NONE,
    )
    # Why this message joined this ticket (a matched header or tag), shown to agents.
    thread_reason = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_MESSAGE_KINDS


def attachment_key(instance: "Attachment", filename: str) -> str:
    # The stored name is ours; the sender's name is metadata only, so no path
    # or extension a sender chooses ever reaches the file system.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(upload_to=attachment_key, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(_("content type"), max_length=127)
    content_id = models.CharField(max_length=255, blank=True)
    is_inline = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in {
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
        }


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    PARENT = "parent", _("Parent of")


class TicketLink(models.Model):
    """``source`` is related to / the parent of ``target``."""

    source = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_out"
    )
    target = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_in"
    )
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target"], name="ticket_link_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")),
                name="ticket_link_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    FIELD = "field", _("Field changed")
    MESSAGE = "message", _("Message added")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated")
    MERGED = "merged", _("Merged")
    LINKED = "linked", _("Linked")
    MOVED_MESSAGE = "moved_message", _("Message moved")
    NOTIFIED = "notified", _("Notification")
    SLA = "sla", _("SLA")
    RULE = "rule", _("Rule")


class TicketEventQuerySet(models.QuerySet["TicketEvent"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("Ticket history is append-only.")


class TicketEvent(models.Model):
    """Append-only history: who changed what, when, old → new."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    field = models.CharField(max_length=32, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What made the change when not a person directly: "rule:Invoices", "sla", "mail".
    via = models.CharField(max_length=120, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TicketEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created"),
            models.Index(
                fields=["kind", "field", "created_at"], name="event_kind_field_created"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.field} on #{self.ticket_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError("Ticket history is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
