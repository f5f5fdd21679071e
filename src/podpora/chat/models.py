"""Live chat: widgets placed on customers' websites, sessions and their messages."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.tickets.models import attachment_key


def _new_public_key() -> str:
    return secrets.token_urlsafe(16)


class ChatWidget(models.Model):
    """One embeddable widget: where it may run, how it looks, who answers."""

    name = models.CharField(_("name"), max_length=120)
    public_key = models.CharField(
        max_length=32, unique=True, default=_new_public_key, editable=False
    )
    allowed_origins = models.TextField(
        _("allowed origins"),
        blank=True,
        help_text=_(
            "One origin a line, e.g. https://www.example.com. The portal's own origin is always allowed."
        ),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("team"),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("organisation"),
        help_text=_("Visitors without an organisation of their own are placed here."),
    )
    business_hours = models.ForeignKey(
        "automation.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chat_widgets",
        verbose_name=_("business hours"),
        help_text=_(
            "Outside these hours (and on the calendar's holidays and closed days) "
            "the widget says so and offers to leave a message. Empty: chat is "
            "offered whenever an agent is available."
        ),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    greeting = models.CharField(
        _("greeting"),
        max_length=200,
        blank=True,
        help_text=_(
            "Shown when the widget opens; empty for the default greeting in the widget's language."
        ),
    )
    color = models.CharField(_("colour"), max_length=7, default="#1f5fbf")
    text_color = models.CharField(_("text colour"), max_length=7, default="#ffffff")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.name

    def origins(self) -> set[str]:
        return {
            line.strip().rstrip("/").lower()
            for line in self.allowed_origins.splitlines()
            if line.strip()
        }


class SessionStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACTIVE = "active", _("In progress")
    ENDED = "ended", _("Ended")


class ChatSession(models.Model):
    widget = models.ForeignKey(
        ChatWidget, on_delete=models.PROTECT, related_name="sessions"
    )
    # The visitor's secret for joining their own chat (never shown to others).
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chat_sessions"
    )
    visitor_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=5, default="en")
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.WAITING
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent_chat_sessions",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_sessions",
    )
    page_url = models.URLField(max_length=500, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    transcript_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            models.Index(fields=["status", "created_at"], name="chat_status_created")
        ]

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.visitor})"

    @property
    def group_name(self) -> str:
        return f"chat.{self.pk}"


class Sender(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatMessage(models.Model):
    session = models.ForeignKey(
        ChatSession, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField(max_length=16, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Plain text only; escaped wherever it is shown.
    body = models.TextField()
    attachment = models.ForeignKey(
        "ChatAttachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["session", "id"], name="chatmessage_session_id")
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.body[:40]}"


class ChatAttachment(models.Model):
    """A file sent in a chat; it moves onto the ticket when the chat becomes one."""

    session = models.ForeignKey(
        ChatSession, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_key, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=127)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name
