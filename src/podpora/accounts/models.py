"""People, the client organisations they belong to, and the teams that serve them."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.core.clean import printable


class AgentRole(models.TextChoices):
    """An agent's role; customers have none. Rights per role: docs/permissions.md."""

    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    AWAY = "away", _("Away")


class Language(models.TextChoices):
    BROWSER = "", _("Browser's language")
    EN = "en", "English"
    PL = "pl", "Polski"
    CS = "cs", "Čeština"


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **fields: object
    ) -> "User":
        return self._create(email, password, **fields)

    def create_superuser(
        self, email: str, password: str | None = None, **fields: object
    ) -> "User":
        fields.setdefault("agent_role", AgentRole.ADMIN)
        fields.setdefault("is_superuser", True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=normalize_email(username or ""))


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively, so they are stored lower-case."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: customers (no agent role) and agents."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, blank=True, default=""
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=_time_zone_choices,
        default=settings.TIME_ZONE,
    )
    agent_role = models.CharField(
        _("agent role"),
        max_length=16,
        choices=AgentRole.choices,
        blank=True,
        default="",
    )
    availability = models.CharField(
        _("availability"),
        max_length=16,
        choices=Availability.choices,
        # New agents can take tickets at once: a team that assigns
        # automatically would otherwise pass everyone over until they
        # switch themselves to available.
        default=Availability.AVAILABLE,
    )
    on_leave = models.BooleanField(_("on leave"), default=False)
    two_factor_exempt = models.BooleanField(
        _("may sign in without two-factor"),
        default=False,
        help_text=_(
            "Only for a break-glass or demonstration account: the role's "
            "two-factor requirement does not apply."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set for people who came from LDAP/AD: the sync deactivates them when the
    # directory no longer has them (accounts.ldap).
    directory_dn = models.CharField(
        _("directory entry"), max_length=500, blank=True, default=""
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(Lower("full_name"), name="user_full_name_lower")]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = normalize_email(self.email)
        self.full_name = printable(self.full_name).strip()
        self.phone = printable(self.phone).strip()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def is_agent(self) -> bool:
        return bool(self.agent_role) and self.is_active

    @property
    def is_customer(self) -> bool:
        return not self.agent_role

    @property
    def is_staff(self) -> bool:
        """Only administrators reach Django's admin (configuration)."""
        return self.agent_role == AgentRole.ADMIN and self.is_active


class Organization(models.Model):
    """A client company whose people send requests."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.name = printable(self.name).strip()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class OrganizationDomain(models.Model):
    """An e-mail domain whose unknown senders become members of the organisation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("e-mail domain")
        verbose_name_plural = _("e-mail domains")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args: object, **kwargs: object) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member (sees own tickets)")
    MANAGER = "manager", _("Manager (sees all the organisation's tickets)")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=MembershipRole.choices,
        default=MembershipRole.MEMBER,
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Tier(models.IntegerChoices):
    FIRST = 1, _("1st line")
    SECOND = 2, _("2nd line")
    THIRD = 3, _("3rd line")


class Team(models.Model):
    """A department or queue of agents working at one support tier."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    tier = models.PositiveSmallIntegerField(
        _("support tier"), choices=Tier.choices, default=Tier.FIRST
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="teams",
        blank=True,
        verbose_name=_("agents"),
        limit_choices_to=~models.Q(agent_role=""),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("team lead"),
        limit_choices_to=~models.Q(agent_role=""),
    )
    escalation_team = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalated_from",
        verbose_name=_("escalates to"),
        help_text=_("The next-tier team that takes tickets escalated from this one."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name
