"""Demo: a month of audit entries, and the demo administrator exempt from the
administrators' two-factor requirement so the README's sign-in works as
written (docs/sign-in.md)."""

from datetime import timedelta

from django.utils import timezone

from podpora.accounts.models import User
from podpora.audit.models import AuditEntry, Kind

ADMIN = "admin@podpora.demo"
_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"

# (days ago, kind, who, from, what, details)
ENTRIES = [
    (29, Kind.SIGN_IN, ADMIN, "192.0.2.10", "", {"second_factor": ""}),
    (
        29,
        Kind.ROLE_CHANGED,
        ADMIN,
        "192.0.2.10",
        "sylwia@podpora.demo",
        {"agent_role": ["agent", "supervisor"]},
    ),
    (21, Kind.SIGN_IN, "petra@podpora.demo", "198.51.100.7", "", {}),
    (21, Kind.TWO_FACTOR_ADDED, "petra@podpora.demo", "198.51.100.7", "totp", {}),
    (14, Kind.SIGN_IN_FAILED, "tomasz@podpora.demo", "203.0.113.66", "", {}),
    (14, Kind.SIGN_IN_FAILED, "tomasz@podpora.demo", "203.0.113.66", "", {}),
    (14, Kind.SIGN_IN, "tomasz@podpora.demo", "192.0.2.23", "", {}),
    (
        7,
        Kind.SETTINGS_CHANGED,
        ADMIN,
        "192.0.2.10",
        "mailbox #1: helpdesk",
        {"action": "changed", "change": "Changed poll interval."},
    ),
    (2, Kind.EXPORT, ADMIN, "192.0.2.10", "audit log", {"kind": "sign_in_failed"}),
]


def load() -> None:
    """Safe to run twice: the entries are added once."""
    User.objects.filter(email=ADMIN).update(two_factor_exempt=True)
    if AuditEntry.objects.exists():
        return
    people = {u.email: u for u in User.objects.filter(email__endswith="@podpora.demo")}
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=now - timedelta(days=days, hours=index),
            kind=kind,
            actor=people.get(who),
            actor_email=who,
            address=address,
            user_agent=_BROWSER,
            target=target,
            details=details,
        )
        for index, (days, kind, who, address, target, details) in enumerate(ENTRIES)
    )
