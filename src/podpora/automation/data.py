"""Out-of-the-box automation, installed by ``install_defaults`` (called by
``podpora demo`` and the benchmarks; safe to call again)."""

from __future__ import annotations

from django.db import transaction

from podpora.accounts.models import Team, Tier
from podpora.automation.models import (
    BusinessCalendar,
    Match,
    Rule,
    SlaPolicy,
    SlaTarget,
    Trigger,
)
from podpora.tickets.models import Priority

ACCOUNTING_TEAM = "Accounting support"
INVOICE_RULE = "Invoices to Accounting support"


@transaction.atomic
def install_defaults(
    *, invoice_team: str = ACCOUNTING_TEAM, invoice_rule: str = INVOICE_RULE
) -> None:
    """The invoice routing rule (with its team), a Polish office-hours
    calendar and a default SLA policy, each only if missing. The demo passes
    the names of its own invoice team and rule."""
    team, _ = Team.objects.get_or_create(
        name=invoice_team,
        defaults={"tier": Tier.FIRST, "description": "Invoices, billing, PDFs."},
    )
    Rule.objects.get_or_create(
        name=invoice_rule,
        defaults={
            "position": 10,
            "trigger": Trigger.CREATED,
            "match": Match.ANY,
            "conditions": [
                {
                    "field": "subject_or_body",
                    "op": "contains",
                    "value": "faktura, invoice, PDF",
                }
            ],
            "actions": [
                {"type": "set_team", "value": str(team.pk)},
                {"type": "set_priority", "value": str(Priority.HIGH)},
            ],
        },
    )
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="Biuro (PL) 8-16",
        defaults={
            "time_zone": "Europe/Warsaw",
            "country": "PL",
            "weekly_hours": {str(d): "8:00-16:00" for d in range(5)},
        },
    )
    if not SlaPolicy.objects.filter(is_default=True).exists():
        policy = SlaPolicy.objects.create(
            name="Standard",
            is_default=True,
            position=1000,
            calendar=calendar,
            breach_notify_lead=True,
            breach_escalate=True,
        )
        # Minutes of business time: first response, next response, resolution.
        for priority, first, following, resolution in (
            (Priority.URGENT, 30, 60, 8 * 60),
            (Priority.HIGH, 60, 120, 16 * 60),
            (Priority.NORMAL, 4 * 60, 8 * 60, 5 * 8 * 60),
            (Priority.LOW, 8 * 60, 16 * 60, 10 * 8 * 60),
        ):
            SlaTarget.objects.create(
                policy=policy,
                priority=priority,
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
            )
