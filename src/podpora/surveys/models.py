"""Satisfaction surveys: one invitation per resolution of a ticket, and the
requester's answer (1–5 stars and an optional comment).

Models describe data; every write goes through ``surveys.services``.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_RATING = 1
MAX_RATING = 5


class Survey(models.Model):
    """An invitation to rate one resolution of a ticket.

    A ticket resolved, reopened and resolved again gets a second survey:
    ``resolved_at`` names the resolution. The link in the e-mail carries the
    survey's ``nonce``; it is single-use because a survey takes one answer.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="surveys"
    )
    resolved_at = models.DateTimeField(_("resolved"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    nonce = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "resolved_at"], name="survey_one_per_resolution"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} @ {self.resolved_at:%Y-%m-%d %H:%M}"


class ResponseChannel(models.TextChoices):
    LINK = "link", _("E-mail link")
    PORTAL = "portal", _("Portal")


class SurveyResponse(models.Model):
    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, related_name="response"
    )
    # Denormalised from the survey so that reports filter ratings by ticket
    # fields with one join.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="survey_responses",
        verbose_name=_("ticket"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        validators=[MinValueValidator(MIN_RATING), MaxValueValidator(MAX_RATING)],
    )
    comment = models.TextField(_("comment"), blank=True)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(
        _("answered through"), max_length=16, choices=ResponseChannel.choices
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set once the team lead has been told about a low rating (task runs twice safely).
    lead_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="survey_resp_ticket"),
            models.Index(fields=["created_at"], name="survey_resp_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING),
                name="survey_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.rating}/5"

    @property
    def stars(self) -> str:
        return "★" * self.rating + "☆" * (MAX_RATING - self.rating)
