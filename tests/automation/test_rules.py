"""Rules: routing on creation, reactions to updates and replies, time-based
rules, the editor's test, history and loop protection."""

from datetime import timedelta

import pytest
from django.core import mail

from podpora.automation import rules
from podpora.automation.data import ACCOUNTING_TEAM, INVOICE_RULE, install_defaults
from podpora.automation.models import Rule, RuleFiring, Trigger
from podpora.tickets import services
from podpora.tickets.models import (
    Channel,
    EventKind,
    MessageKind,
    Priority,
    TicketEvent,
)
from tests.automation.conftest import warsaw

pytestmark = pytest.mark.django_db


def make_rule(name="Rule", **fields):
    fields.setdefault("trigger", Trigger.CREATED)
    return Rule.objects.create(name=name, **fields)


def test_the_default_invoice_rule_routes_to_accounting_support(adam, open_ticket_for):
    install_defaults()
    ticket = open_ticket_for(adam, "Faktura 12/2026", channel=Channel.EMAIL)
    ticket.refresh_from_db()
    assert ticket.team.name == ACCOUNTING_TEAM
    assert ticket.priority == Priority.HIGH
    team_change = TicketEvent.objects.get(ticket=ticket, field="team")
    assert team_change.via == f"rule:{INVOICE_RULE}"


def test_install_defaults_can_run_twice(db):
    install_defaults()
    install_defaults()
    assert Rule.objects.filter(name=INVOICE_RULE).count() == 1


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Prosím o INVOICE", ""),
        ("Pytanie", "W załączniku plik PDF."),
        ("FAKTÚRA za leden", ""),
        ("Brak faktury za październik", ""),
        ("Błąd w fakturze 12/2026", ""),
        ("Chyba ve faktuře", ""),
        ("Dotaz", "Posílám dvě faktury a fakturu za leden."),
        ("Two invoices missing", ""),
    ],
)
def test_the_invoice_rule_matches_subject_or_body_in_any_case(
    adam, open_ticket_for, subject, body
):
    install_defaults()
    ticket = open_ticket_for(adam, subject, body_text=body or "…")
    ticket.refresh_from_db()
    assert ticket.team is not None
    assert ticket.team.name == ACCOUNTING_TEAM


def test_a_ticket_the_rule_does_not_match_is_left_alone(adam, open_ticket_for):
    install_defaults()
    ticket = open_ticket_for(adam, "Drukarka nie drukuje")
    ticket.refresh_from_db()
    assert ticket.team is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RULE).exists()


def test_the_history_names_the_rule_and_why_it_matched(adam, open_ticket_for):
    install_defaults()
    ticket = open_ticket_for(adam, "Faktura")
    matched = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RULE)
    assert matched.new_value == INVOICE_RULE
    assert matched.via == f"rule:{INVOICE_RULE}"
    assert matched.data["reasons"] == ["subject or body contains “faktura”"]


def test_rules_run_in_order_and_stop_when_told(
    adam, service_desk, infrastructure, open_ticket_for
):
    make_rule(
        "First",
        position=1,
        conditions=[{"field": "subject", "op": "contains", "value": "vpn"}],
        actions=[{"type": "set_team", "value": str(infrastructure.pk)}],
        stop_processing=True,
    )
    make_rule(
        "Second",
        position=2,
        actions=[{"type": "set_team", "value": str(service_desk.pk)}],
    )
    vpn = open_ticket_for(adam, "VPN nie łączy")
    other = open_ticket_for(adam, "Drukarka")
    vpn.refresh_from_db()
    other.refresh_from_db()
    assert vpn.team == infrastructure
    assert other.team == service_desk


def test_every_action_goes_through_the_services_with_the_rule_name(
    adam, tomasz, infrastructure, open_ticket_for
):
    from podpora.tickets.models import Category

    hardware = Category.objects.create(name="Sprzęt")
    make_rule(
        "Everything",
        actions=[
            {"type": "set_assignee", "value": str(tomasz.pk)},
            {"type": "set_priority", "value": "4"},
            {"type": "set_category", "value": str(hardware.pk)},
            {"type": "add_tags", "value": "vip, sprzęt"},
            {"type": "set_tier", "value": "2"},
            {"type": "add_note", "value": "Klient VIP – zadzwoń."},
        ],
    )
    ticket = open_ticket_for(adam, "Laptop")
    ticket.refresh_from_db()
    assert ticket.assignee == tomasz
    assert ticket.priority == Priority.URGENT
    assert ticket.category == hardware
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["sprzęt", "vip"]
    assert ticket.tier == 2
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert note.body_text == "Klient VIP – zadzwoń."
    vias = set(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD).values_list(
            "via", flat=True
        )
    )
    assert vias == {"rule:Everything"}


def test_a_rule_can_escalate_with_a_hand_over_note(
    adam, service_desk, tomasz, open_ticket_for
):
    make_rule(
        "Servers",
        conditions=[{"field": "subject", "op": "contains", "value": "serwer"}],
        actions=[{"type": "escalate", "value": "Serwer – od razu druga linia."}],
    )
    ticket = open_ticket_for(adam, "Serwer nie odpowiada", team=service_desk)
    ticket.refresh_from_db()
    assert ticket.tier == 2
    assert ticket.team.name == "Infrastructure"
    escalation = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert escalation.via == "rule:Servers"
    assert escalation.message.body_text == "Serwer – od razu druga linia."


def test_a_rule_sends_a_translated_mail_to_the_requester(
    adam, open_ticket_for, django_capture_on_commit_callbacks
):
    make_rule("Ack", actions=[{"type": "send_email", "value": "acknowledgement"}])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket_for(adam, "Drukarka")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["adam@kowalski.pl"]
    assert sent.subject.startswith(f"[{ticket.reference}]")
    assert "Drukarka" in sent.subject
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=EventKind.NOTIFIED, via="rule:Ack"
    ).exists()


def test_rules_do_not_fire_on_changes_their_own_actions_caused(
    adam, tomasz, open_ticket_for
):
    make_rule(
        "Ping-pong",
        trigger=Trigger.UPDATED,
        actions=[
            {"type": "add_tags", "value": "touched"},
            {"type": "add_note", "value": "x"},
        ],
    )
    ticket = open_ticket_for(adam)
    services.update_ticket(ticket, actor=tomasz, priority=Priority.HIGH)
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RULE).count() == 1
    assert ticket.messages.filter(kind=MessageKind.NOTE).count() == 1


def test_rules_reacting_to_each_other_cannot_loop(
    adam, tomasz, service_desk, open_ticket_for
):
    make_rule(
        "A",
        trigger=Trigger.UPDATED,
        position=1,
        conditions=[{"field": "priority", "op": "is", "value": "3"}],
        actions=[{"type": "set_team", "value": str(service_desk.pk)}],
    )
    make_rule(
        "B",
        trigger=Trigger.UPDATED,
        position=2,
        conditions=[{"field": "team", "op": "is", "value": str(service_desk.pk)}],
        actions=[{"type": "set_priority", "value": "3"}],
    )
    ticket = open_ticket_for(adam)
    services.update_ticket(ticket, actor=tomasz, priority=Priority.HIGH)
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RULE).count() == 1


def test_customer_replied_rules_react_to_the_customers_message(
    adam, tomasz, open_ticket_for
):
    make_rule(
        "Angry",
        trigger=Trigger.CUSTOMER_REPLIED,
        conditions=[{"field": "body", "op": "contains", "value": "skandal"}],
        actions=[{"type": "set_priority", "value": "4"}],
    )
    ticket = open_ticket_for(
        adam, body_text="Skandal!"
    )  # on creation: not this trigger
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    services.add_customer_message(
        ticket, author=adam, body_text="To SKANDAL, dalej nie działa"
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT


def test_an_automatic_customer_message_triggers_nothing(adam, open_ticket_for):
    make_rule(
        "Any reply",
        trigger=Trigger.CUSTOMER_REPLIED,
        actions=[{"type": "set_priority", "value": "4"}],
    )
    ticket = open_ticket_for(adam)
    services.add_customer_message(
        ticket, author=adam, body_text="Out of office", is_automatic=True
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_sender_domain_and_business_hours_conditions(
    adam,
    bara,
    infrastructure,
    open_ticket_for,
    frozen_now,
    office_calendar,
    standard_policy,
):
    make_rule(
        "Czech at night",
        conditions=[
            {"field": "sender_email", "op": "domain_is", "value": "novak.cz"},
            {"field": "business_hours", "op": "is_closed", "value": ""},
        ],
        actions=[{"type": "add_tags", "value": "noc"}],
    )
    frozen_now(warsaw(2026, 1, 12, 22))
    night_cz = open_ticket_for(bara)
    night_pl = open_ticket_for(adam)
    frozen_now(warsaw(2026, 1, 12, 10))
    day_cz = open_ticket_for(bara)
    assert list(night_cz.tags.values_list("name", flat=True)) == ["noc"]
    assert not night_pl.tags.exists()
    assert not day_cz.tags.exists()


def test_a_phone_call_logged_by_an_agent_counts_as_from_its_caller(
    bara, tomasz, open_ticket_for
):
    make_rule(
        "Novák calls",
        conditions=[{"field": "sender_email", "op": "domain_is", "value": "novak.cz"}],
        actions=[{"type": "add_tags", "value": "novak"}],
    )
    ticket = services.open_ticket(
        subject="Tiskárna netiskne",
        requester=bara,
        channel=Channel.PHONE,
        body_text="Volala paní Bára, tiskárna ve skladu netiskne.",
        actor=tomasz,
        call_account=True,
    )
    assert list(ticket.tags.values_list("name", flat=True)) == ["novak"]


def test_a_rule_with_a_deleted_team_skips_the_action_without_failing(
    adam, service_desk, open_ticket_for
):
    make_rule(
        "Gone",
        actions=[
            {"type": "set_team", "value": "99999"},
            {"type": "set_priority", "value": "3"},
        ],
    )
    ticket = open_ticket_for(adam)
    ticket.refresh_from_db()
    assert ticket.team is None
    assert ticket.priority == Priority.HIGH


def test_the_editor_test_explains_a_match_against_an_existing_ticket(
    adam, open_ticket_for
):
    ticket = open_ticket_for(adam, "Faktura nr 5", body_text="Proszę o korektę.")
    result = rules.test_rule(
        [{"field": "subject_or_body", "op": "contains", "value": "invoice, faktura"}],
        "all",
        ticket,
    )
    assert result.matched
    assert result.reasons == ("subject or body contains “faktura”",)
    result = rules.test_rule(
        [{"field": "channel", "op": "is", "value": "phone"}], "all", ticket
    )
    assert not result.matched
    assert result.reasons == ("channel is Portal",)


def test_actions_are_validated(service_desk):
    assert rules.validate_action({"type": "set_team", "value": str(service_desk.pk)})
    for bad in (
        {"type": "set_team", "value": "nope"},
        {"type": "set_priority", "value": "9"},
        {"type": "send_email", "value": "spam"},
        {"type": "add_note", "value": ""},
        {"type": "delete_everything", "value": ""},
    ):
        with pytest.raises(rules.ActionError):
            rules.validate_action(bad)


# --- time-based rules ------------------------------------------------------------------


def test_a_time_rule_fires_after_business_hours_without_a_reply_once(
    adam, open_ticket_for, frozen_now, standard_policy
):
    make_rule(
        "Silent 4h",
        trigger=Trigger.TIME,
        idle_hours=4,
        actions=[{"type": "set_priority", "value": "3"}],
    )
    frozen_now(warsaw(2026, 1, 12, 14))  # Monday 14:00, office until 16:00
    ticket = open_ticket_for(adam)
    # Six wall-clock hours but only two business hours.
    assert rules.run_time_rules(now=warsaw(2026, 1, 12, 20)) == 0
    assert rules.run_time_rules(now=frozen_now(warsaw(2026, 1, 13, 10))) == 1
    assert rules.run_time_rules(now=warsaw(2026, 1, 13, 11)) == 0
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    assert RuleFiring.objects.filter(ticket=ticket).count() == 1


def test_a_reply_ends_the_silence(
    adam, tomasz, open_ticket_for, frozen_now, standard_policy
):
    make_rule(
        "Silent 1h",
        trigger=Trigger.TIME,
        idle_hours=1,
        actions=[{"type": "add_tags", "value": "cisza"}],
    )
    frozen_now(warsaw(2026, 1, 12, 9))
    ticket = open_ticket_for(adam)
    frozen_now(warsaw(2026, 1, 12, 9, 30))
    services.add_reply(ticket, author=tomasz, body_text="Już patrzę.")
    assert rules.run_time_rules(now=warsaw(2026, 1, 12, 12)) == 0
    # A new customer message starts a new silence, which may fire again.
    frozen_now(warsaw(2026, 1, 12, 13))
    services.add_customer_message(ticket, author=adam, body_text="I co?")
    assert rules.run_time_rules(now=frozen_now(warsaw(2026, 1, 12, 14, 1))) == 1
    assert (
        rules.run_time_rules(now=warsaw(2026, 1, 12, 14, 1) + timedelta(minutes=5)) == 0
    )
