"""Flow: a ticket escalated by hand, by an SLA breach or by a rule tells the
team that takes it over — each of its agents and its lead by mail in their
own language — and not the one who escalated it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from podpora.accounts.models import AgentRole, User
from podpora.automation import sla
from podpora.automation.models import Rule, SlaPolicy, SlaTarget, Trigger
from podpora.tickets import services
from podpora.tickets.models import Priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def pawel(infrastructure):
    """Lead of the Infrastructure team (2nd line), who reads Polish."""
    lead = User.objects.create_user(
        email="pawel@podpora.test",
        full_name="Paweł Lewandowski",
        agent_role=AgentRole.SUPERVISOR,
        language="pl",
    )
    infrastructure.lead = lead
    infrastructure.save()
    return lead


def _escalation_mails(mailoutbox):
    return {
        m.to[0].split("<")[-1].rstrip(">"): m for m in mailoutbox if _is_escalation(m)
    }


def _is_escalation(mail) -> bool:
    return any(
        words in mail.subject
        for words in (
            "Escalated to your team",
            "Eskalowano do Twojego zespołu",
            "Eskalováno na váš tým",
        )
    )


def test_an_agent_escalating_by_hand_tells_the_next_team_and_its_lead_in_their_languages(
    adam,
    tomasz,
    petra,
    pawel,
    service_desk,
    infrastructure,
    open_ticket_for,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    ticket = open_ticket_for(adam, team=service_desk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.escalate(
            ticket, actor=tomasz, note="Serwer plików nie odpowiada, proszę o pomoc."
        )
    mails = _escalation_mails(mailoutbox)
    assert set(mails) == {"petra@podpora.test", "pawel@podpora.test"}
    czech, polish = mails["petra@podpora.test"], mails["pawel@podpora.test"]
    assert f"[#{ticket.number}] Eskalováno na váš tým" in czech.subject
    czech_text = czech.body
    assert "Tomasz Wiśniewski eskaloval tiket" in czech_text
    assert "Infrastructure (druhá linie)" in czech_text
    assert "Pochází z týmu Service Desk." in czech_text
    assert "Serwer plików nie odpowiada" in czech_text
    assert f"/desk/tickets/{ticket.number}" in czech_text
    assert "Eskalowano do Twojego zespołu" in polish.subject
    assert "Tomasz Wiśniewski eskalował zgłoszenie" in polish.body
    html = polish.alternatives[0].content
    assert "Notatka przekazania" in html
    assert polish.extra_headers["Auto-Submitted"] == "auto-replied"


def test_an_sla_breach_escalating_a_ticket_tells_the_next_team(
    adam,
    tomasz,
    petra,
    pawel,
    service_desk,
    open_ticket_for,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    policy = SlaPolicy.objects.create(
        name="Całodobowa", is_default=True, breach_escalate=True
    )
    SlaTarget.objects.create(
        policy=policy, priority=Priority.NORMAL, first_response_minutes=60
    )
    open_ticket_for(adam, team=service_desk)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        late = timezone.now() + timedelta(minutes=65)
        assert sla.sweep(now=late).breaches == 1
    mails = _escalation_mails(mailoutbox)
    assert set(mails) == {"petra@podpora.test", "pawel@podpora.test"}
    assert "protože byl překročen cíl SLA" in mails["petra@podpora.test"].body
    assert "ponieważ przekroczono cel SLA" in mails["pawel@podpora.test"].body
    assert "tomasz@podpora.test" not in _escalation_mails(mailoutbox)


def test_a_rule_escalating_a_ticket_names_itself_to_the_next_team(
    adam,
    tomasz,
    petra,
    pawel,
    service_desk,
    open_ticket_for,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    Rule.objects.create(
        name="Awaria serwera",
        trigger=Trigger.CREATED,
        conditions=[{"field": "subject", "op": "contains", "value": "serwer"}],
        actions=[{"type": "escalate", "value": "Awaria serwera: druga linia."}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket_for(adam, "Serwer nie działa", team=service_desk)
    ticket.refresh_from_db()
    assert ticket.team.name == "Infrastructure"
    mails = _escalation_mails(mailoutbox)
    assert set(mails) == {"petra@podpora.test", "pawel@podpora.test"}
    assert (
        "Pravidlo „Awaria serwera“ eskalovalo tiket" in mails["petra@podpora.test"].body
    )
