"""Routing rules, SLA policies and their business-hours calendars, per-ticket
SLA clocks, and per-team assignment settings.

Models describe data; writes go through ``automation.services`` and friends,
and every change to a ticket itself through ``tickets.services``.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.automation import business_hours


def _default_weekly_hours() -> dict[str, str]:
    return {str(d): "8:00-16:00" for d in range(5)}


class BusinessCalendar(models.Model):
    """Opening hours in a time zone, national holidays and extra closed days."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Warsaw")
    # Weekday (0 = Monday) → "8:00-12:00, 13:00-17:00"; a missing day is closed.
    weekly_hours = models.JSONField(_("weekly hours"), default=_default_weekly_hours)
    country = models.CharField(
        _("public holidays of"),
        max_length=8,
        blank=True,
        default="PL",
        help_text=_("Country code, e.g. PL or CZ; empty for no public holidays."),
    )
    subdivision = models.CharField(_("region"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.to_calendar(closed_days=frozenset())
        except (ValueError, KeyError) as error:
            raise ValidationError(str(error)) from error
        if self.country and self.country not in business_hours.supported_countries():
            raise ValidationError(
                {
                    "country": _("The holidays of %(code)s are not known.")
                    % {"code": self.country}
                }
            )

    def to_calendar(
        self, *, closed_days: frozenset[date] | None = None
    ) -> business_hours.Calendar:
        weekly: dict[int, tuple[tuple[time, time], ...]] = {
            int(day): business_hours.parse_hours(text)
            for day, text in (self.weekly_hours or {}).items()
            if text
        }
        if closed_days is None:
            closed_days = frozenset(self.closed_days.values_list("date", flat=True))
        return business_hours.Calendar(
            time_zone=self.time_zone,
            weekly=weekly,
            country=self.country,
            subdivision=self.subdivision,
            closed_days=closed_days,
        )


class ClosedDay(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="closed_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for a set of tickets. Policies are tried in ``position`` order;
    the first whose conditions all hold applies, else the default one."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Applies to tickets no other policy matches."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("business hours"),
        help_text=_("Empty: the clock runs around the clock."),
    )
    # Which tickets: an empty condition matches every ticket.
    organizations = models.ManyToManyField(
        "accounts.Organization",
        blank=True,
        related_name="sla_policies",
        verbose_name=_("organisations (contracts)"),
    )
    categories = models.ManyToManyField(
        "tickets.Category", blank=True, related_name="+", verbose_name=_("categories")
    )
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the target)"), default=80
    )
    breach_notify_lead = models.BooleanField(
        _("at breach: notify the team lead"), default=True
    )
    breach_raise_priority = models.BooleanField(
        _("at breach: raise the priority"), default=False
    )
    breach_escalate = models.BooleanField(
        _("at breach: escalate to the next tier"), default=False
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not 1 <= self.warning_percent <= 99:
            raise ValidationError(
                {"warning_percent": _("Warn somewhere between 1 and 99 percent.")}
            )


class SlaTarget(models.Model):
    """Minutes of business time per priority; empty: no target for that clock."""

    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.CASCADE, related_name="targets"
    )
    priority = models.PositiveSmallIntegerField(_("priority"))
    first_response_minutes = models.PositiveIntegerField(
        _("first response (minutes)"), null=True, blank=True
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (minutes)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "-priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority"], name="sla_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} P{self.priority}"

    def minutes_for(self, clock: "Clock") -> int | None:
        """The target of ``clock`` in business minutes (None: no target)."""
        match clock:
            case Clock.FIRST_RESPONSE:
                return self.first_response_minutes
            case Clock.NEXT_RESPONSE:
                return self.next_response_minutes
            case Clock.RESOLUTION:
                return self.resolution_minutes
        raise ValueError(clock)


class Clock(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


@dataclass(frozen=True)
class ClockTimes:
    """One SLA clock of a ticket: when it is due, when to warn, and what the
    sweep already fired. Read and written with ``TicketSla.clock`` /
    ``TicketSla.set_clock``."""

    due_at: datetime | None = None
    warn_at: datetime | None = None
    warning_sent: bool = False
    breached: bool = False


@dataclass(frozen=True)
class ClockColumns:
    """The column names of one clock, for queries (the sweep's compare-and-set
    UPDATE, reports' filters)."""

    due_at: str
    warn_at: str
    warning_sent: str
    breached: str


CLOCK_COLUMNS: dict[str, ClockColumns] = {
    Clock.FIRST_RESPONSE: ClockColumns(
        due_at="first_response_due_at",
        warn_at="first_response_warn_at",
        warning_sent="first_response_warning_sent",
        breached="first_response_breached",
    ),
    Clock.NEXT_RESPONSE: ClockColumns(
        due_at="next_response_due_at",
        warn_at="next_response_warn_at",
        warning_sent="next_response_warning_sent",
        breached="next_response_breached",
    ),
    Clock.RESOLUTION: ClockColumns(
        due_at="resolution_due_at",
        warn_at="resolution_warn_at",
        warning_sent="resolution_warning_sent",
        breached="resolution_breached",
    ),
}


class TicketSla(models.Model):
    """The SLA clocks of one ticket, kept current by ``automation.hooks``.

    ``next_check_at`` is the earliest pending warning or breach of any clock
    (NULL while paused or when nothing is pending): the sweep reads only rows
    with ``next_check_at <= now`` through its index, so its cost follows the
    tickets at risk, not all open tickets. ``next_breach_at`` is the earliest
    pending due time, for queues sorted by "next breach".
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla"
    )
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    # When the clocks stopped (waiting on the customer, resolved) and the
    # business seconds already spent paused, which push the due times back.
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.FloatField(default=0)
    first_response_warning_sent = models.BooleanField(default=False)
    next_response_warning_sent = models.BooleanField(default=False)
    resolution_warning_sent = models.BooleanField(default=False)
    first_response_breached = models.BooleanField(default=False)
    next_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    next_check_at = models.DateTimeField(null=True, blank=True)
    next_breach_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SLA state")
        verbose_name_plural = _("SLA states")
        indexes = [
            models.Index(fields=["next_check_at"], name="sla_next_check"),
            models.Index(fields=["next_breach_at"], name="sla_next_breach"),
            models.Index(fields=["first_response_due_at"], name="sla_first_due"),
            models.Index(fields=["next_response_due_at"], name="sla_next_due"),
            models.Index(fields=["resolution_due_at"], name="sla_resolution_due"),
        ]

    def __str__(self) -> str:
        return f"SLA of #{self.ticket_id}"

    def clock(self, clock: str) -> ClockTimes:
        match clock:
            case Clock.FIRST_RESPONSE:
                return ClockTimes(
                    due_at=self.first_response_due_at,
                    warn_at=self.first_response_warn_at,
                    warning_sent=self.first_response_warning_sent,
                    breached=self.first_response_breached,
                )
            case Clock.NEXT_RESPONSE:
                return ClockTimes(
                    due_at=self.next_response_due_at,
                    warn_at=self.next_response_warn_at,
                    warning_sent=self.next_response_warning_sent,
                    breached=self.next_response_breached,
                )
            case Clock.RESOLUTION:
                return ClockTimes(
                    due_at=self.resolution_due_at,
                    warn_at=self.resolution_warn_at,
                    warning_sent=self.resolution_warning_sent,
                    breached=self.resolution_breached,
                )
        raise ValueError(clock)

    def set_clock(self, clock: str, times: ClockTimes) -> None:
        match clock:
            case Clock.FIRST_RESPONSE:
                self.first_response_due_at = times.due_at
                self.first_response_warn_at = times.warn_at
                self.first_response_warning_sent = times.warning_sent
                self.first_response_breached = times.breached
            case Clock.NEXT_RESPONSE:
                self.next_response_due_at = times.due_at
                self.next_response_warn_at = times.warn_at
                self.next_response_warning_sent = times.warning_sent
                self.next_response_breached = times.breached
            case Clock.RESOLUTION:
                self.resolution_due_at = times.due_at
                self.resolution_warn_at = times.warn_at
                self.resolution_warning_sent = times.warning_sent
                self.resolution_breached = times.breached
            case _:
                raise ValueError(clock)


class Trigger(models.TextChoices):
    CREATED = "created", _("Ticket created")
    UPDATED = "updated", _("Ticket updated")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    TIME = "time", _("Business hours without a reply")


class Match(models.TextChoices):
    ALL = "all", _("all conditions hold")
    ANY = "any", _("any condition holds")


class Rule(models.Model):
    """When → if → then, tried in ``position`` order.

    ``conditions`` is a list of ``{"field", "op", "value"}`` and ``actions`` a
    list of ``{"type", "value"}``, both checked by ``automation.rules``.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    trigger = models.CharField(
        _("when"), max_length=20, choices=Trigger.choices, default=Trigger.CREATED
    )
    idle_hours = models.DecimalField(
        _("business hours without a reply"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    match = models.CharField(
        _("if"), max_length=3, choices=Match.choices, default=Match.ALL
    )
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    stop_processing = models.BooleanField(
        _("stop further rules when this one matches"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def via(self) -> str:
        return f"rule:{self.name}"[:120]


class RuleFiring(models.Model):
    """A time-based rule fired for a ticket at one point of its life: the
    unique key makes it fire once per silence, however many sweeps run."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+"
    )
    anchor = models.DateTimeField()
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "ticket", "anchor"], name="rule_firing_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} on #{self.ticket_id}"


class AssignmentMode(models.TextChoices):
    NONE = "", _("Nobody (agents pick tickets)")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_OPEN = "least_open", _("Fewest open tickets")


class TeamSettings(models.Model):
    """Automation settings of a team (a side table: teams belong to accounts)."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="automation"
    )
    assignment = models.CharField(
        _("auto-assignment"),
        max_length=16,
        choices=AssignmentMode.choices,
        blank=True,
        default=AssignmentMode.NONE,
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("team automation settings")
        verbose_name_plural = _("team automation settings")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_assignment_display()}"
