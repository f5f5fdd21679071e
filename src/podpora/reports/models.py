"""What reports read: one fact row per ticket and daily aggregates over them.

Both are derived data. ``TicketFact`` is what a ticket currently contributes
to the figures (its dimensions, times and durations); ``DailyTicketStats``
sums those contributions per day and per *grain*, i.e. per set of
dimensions kept (see ``reports.facts``). The ticket hook keeps both current
inside the ticket's own transaction, and ``podpora manage reports_rebuild``
recomputes them from tickets and their history at any time.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Upper bounds (seconds) of the duration histogram buckets; the last is open.
# Medians of large sets are interpolated inside a bucket (see reports.metrics).
HISTOGRAM_BOUNDS: tuple[int, ...] = (
    15 * 60,
    30 * 60,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    16 * 3600,
    24 * 3600,
    2 * 86400,
    3 * 86400,
    5 * 86400,
    7 * 86400,
    14 * 86400,
    30 * 86400,
)
HISTOGRAM_BUCKETS = len(HISTOGRAM_BOUNDS) + 1
DURATION_METRICS = ("frt", "frt_biz", "res", "res_biz")
REPEAT_WINDOWS = (1, 3, 7, 14, 30)  # days

# The counters of a daily row, in the order of the columns below.
COUNTERS: tuple[str, ...] = (
    "created",
    "responded",
    "resolved",
    "resolved_24h",
    "resolved_first_line",
    "reopened",
    "reopen_events",
    "escalated",
    "escalation_events",
    "frt_sum",
    "frt_biz_sum",
    "res_sum",
    "res_biz_sum",
    *(f"repeat_{n}" for n in REPEAT_WINDOWS),
    # The same, by anyone of the requester's organisation (a second figure).
    *(f"repeat_org_{n}" for n in REPEAT_WINDOWS),
    # Minutes logged on the day's messages. Counted under the agent who logged
    # them (``agent_id`` is the author here, not the current assignee).
    "time_minutes",
    *(f"hour_{h:02d}" for h in range(24)),
    *(f"{m}_b{i:02d}" for m in DURATION_METRICS for i in range(HISTOGRAM_BUCKETS)),
)


class Grain(models.IntegerChoices):
    """Which dimensions a daily row keeps; the others are summed over."""

    TOTAL = 0, _("Everything")
    ORGANIZATION = 1, _("Organisation")
    TEAM = 2, _("Team")
    AGENT = 4, _("Agent")
    CHANNEL = 8, _("Channel")
    PRIORITY = 16, _("Priority")
    CATEGORY = 32, _("Category")
    FULL = 63, _("All dimensions")


class TicketFact(models.Model):
    """What one ticket contributes to the figures, as last computed."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="report_fact",
    )
    # Dimensions: ids without foreign keys (0 = none), so that the
    # aggregates' unique key works the same on PostgreSQL and SQLite.
    organization_id = models.BigIntegerField(default=0)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=16, default="")
    priority = models.PositiveSmallIntegerField(default=0)
    category_id = models.BigIntegerField(default=0)
    requester_id = models.BigIntegerField(default=0)

    counted = models.BooleanField(
        default=True, help_text="False for a ticket merged into another one."
    )
    created_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    frt_seconds = models.BigIntegerField(null=True, blank=True)
    frt_business_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_business_seconds = models.BigIntegerField(null=True, blank=True)
    # Local days (site time zone) and histogram buckets, stored so that the
    # aggregates can be rebuilt by plain GROUP BY queries on any database.
    created_day = models.DateField()
    created_hour = models.PositiveSmallIntegerField(default=0)
    response_day = models.DateField(null=True, blank=True)
    resolved_day = models.DateField(null=True, blank=True)
    frt_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    frt_biz_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    res_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    res_biz_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    escalation_count = models.PositiveIntegerField(default=0)
    # Hours since the same requester last asked in the same category; empty when there was no such request within the longest window.
    repeat_gap_hours = models.FloatField(null=True, blank=True)
    # … since anyone of the ticket's organisation last asked in the category.
    org_repeat_gap_hours = models.FloatField(null=True, blank=True)
    # Minutes logged on the ticket's messages: [[local day, author id or 0,
    # minutes], …] sorted, one entry per day and author.
    time_spent = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["created_day"], name="rfact_created_day"),
            models.Index(fields=["resolved_day"], name="rfact_resolved_day"),
            models.Index(fields=["response_day"], name="rfact_response_day"),
            # Exact medians of one organisation's month (its monthly report).
            models.Index(
                fields=["organization_id", "response_day"], name="rfact_org_response"
            ),
            models.Index(
                fields=["organization_id", "resolved_day"], name="rfact_org_resolved"
            ),
            models.Index(
                fields=["requester_id", "created_at"], name="rfact_req_created"
            ),
        ]

    def __str__(self) -> str:
        return f"fact of ticket {self.ticket_id}"


class DailyTicketStats(models.Model):
    """Sums of ticket facts for one day (site time zone) and one grain."""

    day = models.DateField()
    grain = models.PositiveSmallIntegerField(choices=Grain.choices)
    organization_id = models.BigIntegerField(default=0)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=16, default="")
    priority = models.PositiveSmallIntegerField(default=0)
    category_id = models.BigIntegerField(default=0)

    for _name in COUNTERS:
        # db_default lets the hook's upsert name only the counters it changes.
        locals()[_name] = models.BigIntegerField(default=0, db_default=0)
    del _name

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "grain",
                    "organization_id",
                    "team_id",
                    "agent_id",
                    "channel",
                    "priority",
                    "category_id",
                ],
                name="daily_stats_key",
            )
        ]
        indexes = [
            models.Index(fields=["grain", "day"], name="daily_stats_grain_day"),
            # The organisation report narrows the all-dimensions rows by
            # organisation to break them down by category, priority, channel.
            models.Index(
                fields=["grain", "organization_id", "day"],
                name="daily_stats_grain_org_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} grain {self.grain}"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly (last week, sent on Monday)")
    MONTHLY = "monthly", _("Monthly (last month, sent on the 1st)")


class ReportSchedule(models.Model):
    """A report mailed to chosen recipients after each week or month.

    Its labels have their own context ("report schedule"): another app's
    catalogue where "name" is a person's name cannot lend them its words."""

    name = models.CharField(pgettext_lazy("report schedule", "name"), max_length=200)
    frequency = models.CharField(
        pgettext_lazy("report schedule", "frequency"),
        max_length=16,
        choices=Frequency.choices,
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="report_schedules",
        verbose_name=pgettext_lazy("report schedule", "organisation"),
        help_text=_("Empty: the whole helpdesk."),
    )
    recipients = models.TextField(
        pgettext_lazy("report schedule", "recipients"),
        help_text=_("E-mail addresses, one per line or comma-separated."),
    )
    language = models.CharField(
        pgettext_lazy("report schedule", "language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="en",
    )
    attach_pdf = models.BooleanField(_("attach PDF"), default=True)
    attach_csv = models.BooleanField(_("attach CSV"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The start of the last period mailed: the job sends each period once.
    last_period_start = models.DateField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        raw = self.recipients.replace(",", "\n").replace(";", "\n")
        return [a.strip() for a in raw.splitlines() if a.strip()]
