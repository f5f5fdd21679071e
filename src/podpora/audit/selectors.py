"""Reading the audit log (administrators only; see views)."""

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from podpora.accounts.models import User
from podpora.audit.models import AuditEntry, Kind


def entries(
    *,
    person: str = "",
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first; ``person`` matches part of the e-mail address; the dates
    are whole days in the viewer's time zone, both included."""
    found = AuditEntry.objects.all()
    if person:
        found = found.filter(actor_email__icontains=person.strip())
    if kind:
        found = found.filter(kind=kind)
    if since:
        found = found.filter(
            at__gte=timezone.make_aware(datetime.combine(since, time.min))
        )
    if until:
        found = found.filter(
            at__lte=timezone.make_aware(datetime.combine(until, time.max))
        )
    return found.order_by("-at", "-id")


def sign_ins_of(user: User) -> QuerySet[AuditEntry]:
    """A person's own sign-ins and failed tries, newest first."""
    return AuditEntry.objects.filter(
        actor=user, kind__in=[Kind.SIGN_IN, Kind.SIGN_IN_FAILED]
    ).order_by("-at", "-id")
