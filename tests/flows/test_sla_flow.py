"""Flow: an invoice mail is routed by the default rule, gets SLA due times,
is warned about at 80 % and escalated once at breach, all in its history."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from podpora.automation import sla
from podpora.automation.data import ACCOUNTING_TEAM, INVOICE_RULE, install_defaults
from podpora.automation.models import SlaPolicy, TicketSla
from podpora.tickets import services
from podpora.tickets.models import Channel, EventKind, Priority, TicketEvent

pytestmark = pytest.mark.django_db

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW).astimezone(UTC)


@pytest.fixture
def now(monkeypatch):
    from django.utils import timezone

    current = {}
    monkeypatch.setattr(timezone, "now", lambda: current["now"])

    def set_now(instant: datetime) -> datetime:
        current["now"] = instant
        return instant

    return set_now


def test_an_invoice_mail_is_routed_timed_warned_and_escalated_once(
    adam, infrastructure, sylwia, now, django_capture_on_commit_callbacks, mailoutbox
):
    install_defaults()
    accounting_lead = sylwia
    from podpora.accounts.models import Team

    accounting = Team.objects.get(name=ACCOUNTING_TEAM)
    accounting.lead = accounting_lead
    accounting.escalation_team = infrastructure
    accounting.save()
    policy = SlaPolicy.objects.get(is_default=True)
    assert policy.warning_percent == 80
    assert policy.breach_escalate

    # Tuesday 13 Jan 2026, 10:00 in Warsaw: a mail arrives.
    now(warsaw(2026, 1, 13, 10))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.open_ticket(
            subject="Faktura FV/2026/01/17 – błędna kwota",
            body_text="Dzień dobry, kwota na fakturze się nie zgadza.",
            requester=adam,
            channel=Channel.EMAIL,
        )
    ticket.refresh_from_db()
    assert ticket.team == accounting
    assert ticket.priority == Priority.HIGH
    assert ticket.tier == 1

    # High priority: 60 business minutes to the first response, 16 h to resolve.
    state = TicketSla.objects.get(ticket=ticket)
    assert state.first_response_due_at == warsaw(2026, 1, 13, 11)
    assert state.first_response_warn_at == warsaw(2026, 1, 13, 10, 48)
    assert state.resolution_due_at == warsaw(2026, 1, 15, 10)

    # Nothing before 80 %.
    assert sla.sweep(now=now(warsaw(2026, 1, 13, 10, 47))).warnings == 0
    with django_capture_on_commit_callbacks(execute=True):
        warned = sla.sweep(now=now(warsaw(2026, 1, 13, 10, 48)))
    assert warned.warnings == 1
    # The team lead hears about it by mail, with the due time in her time zone.
    [warning_mail] = [m for m in mailoutbox if "SLA warning" in m.subject]
    assert accounting_lead.email in warning_mail.to[0]
    assert f"[{ticket.reference}]" in warning_mail.subject
    assert "first response" in warning_mail.body

    # The breach: two sweeps (two schedulers) at the same minute, then later.
    breach_time = now(warsaw(2026, 1, 13, 11, 1))
    with django_capture_on_commit_callbacks(execute=True):
        results = [sla.sweep(now=breach_time), sla.sweep(now=breach_time)]
        results.append(sla.sweep(now=now(warsaw(2026, 1, 13, 11, 5))))
    assert [r.breaches for r in results] == [1, 0, 0]
    breach_mails = [m for m in mailoutbox if "SLA breached" in m.subject]
    assert len(breach_mails) == 1
    assert accounting_lead.email in breach_mails[0].to[0]

    ticket.refresh_from_db()
    assert ticket.tier == 2
    assert ticket.team == infrastructure
    assert (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).count() == 1
    )

    history = [
        (e.kind, e.field, e.new_value, e.via)
        for e in TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "pk")
    ]
    rule_via = f"rule:{INVOICE_RULE}"
    assert history == [
        (EventKind.CREATED, "", "", ""),
        (EventKind.RULE, "matched", INVOICE_RULE, rule_via),
        (EventKind.FIELD, "priority", str(Priority.HIGH), rule_via),
        (EventKind.FIELD, "team", str(accounting.pk), rule_via),
        (EventKind.SLA, "first_response", "warning", "sla"),
        (EventKind.MESSAGE, "note", "", "sla"),
        (EventKind.ESCALATED, "tier", "2", "sla"),
        (EventKind.FIELD, "team", str(infrastructure.pk), "sla"),
        (EventKind.SLA, "first_response", "breached", "sla"),
    ]
    breach = TicketEvent.objects.get(
        ticket=ticket, kind=EventKind.SLA, new_value="breached"
    )
    assert breach.data["actions"] == ["notified_lead", "escalated"]
    assert accounting_lead.pk in breach.data["notify"]
