"""The rule editor at /automation/rules/."""

import pytest
from django.urls import reverse

from podpora.automation.data import install_defaults
from podpora.automation.models import Rule, Trigger
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_sylwia(client, sylwia):
    client.login(email=sylwia.email, password=PASSWORD)
    return client


def editor_post(**overrides):
    data = {
        "name": "VPN",
        "is_active": "on",
        "position": "20",
        "trigger": Trigger.CREATED,
        "match": "all",
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "0",
        "c-0-field": "subject",
        "c-0-op": "contains",
        "c-0-value": "vpn, tunel",
        "c-1-field": "",
        "a-TOTAL_FORMS": "2",
        "a-INITIAL_FORMS": "0",
        "a-0-type": "set_priority",
        "a-0-target": "priority:3",
        "a-1-type": "",
    }
    data.update(overrides)
    return data


def test_a_supervisor_sees_the_rules_in_order(as_sylwia, django_assert_max_num_queries):
    install_defaults()
    Rule.objects.create(name="Later", position=500)
    with django_assert_max_num_queries(8):
        response = as_sylwia.get(reverse("automation:rules"))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("Invoices to Accounting support") < text.index("Later")
    assert "faktura, invoice, PDF" in text


def test_an_agent_without_the_right_is_refused(client, tomasz):
    client.login(email=tomasz.email, password=PASSWORD)
    assert client.get(reverse("automation:rules")).status_code == 403


def test_a_customer_gets_not_found(client, adam):
    client.login(email=adam.email, password=PASSWORD)
    assert client.get(reverse("automation:rules")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("automation:rules"))
    assert response.status_code == 302


def test_a_rule_is_created_with_names_turned_into_ids(as_sylwia, service_desk):
    response = as_sylwia.post(
        reverse("automation:rule_new"),
        editor_post(
            **{
                "c-1-field": "team",
                "c-1-op": "is_not",
                "c-1-value": "service desk",
                "a-1-type": "add_note",
                "a-1-text": "Sprawdź VPN.",
            }
        ),
    )
    assert response.status_code == 302
    rule = Rule.objects.get(name="VPN")
    assert rule.conditions == [
        {"field": "subject", "op": "contains", "value": "vpn, tunel"},
        {"field": "team", "op": "is_not", "value": [str(service_desk.pk)]},
    ]
    assert rule.actions == [
        {"type": "set_priority", "value": "3"},
        {"type": "add_note", "value": "Sprawdź VPN."},
    ]
    # Editing shows the names again.
    page = as_sylwia.get(
        reverse("automation:rule_edit", args=[rule.pk])
    ).content.decode()
    assert 'value="Service Desk"' in page


def test_bad_input_is_explained_and_nothing_is_saved(as_sylwia):
    response = as_sylwia.post(
        reverse("automation:rule_new"),
        editor_post(
            **{
                "c-0-op": "regex",
                "c-0-value": "(faktura",
                "c-1-field": "team",
                "c-1-op": "is",
                "c-1-value": "Nonexistent",
            }
        ),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "The pattern is not valid" in text
    assert "“Nonexistent” is not a known Team." in text
    assert 'value="(faktura"' in text  # what was typed is kept
    assert not Rule.objects.exists()


def test_a_time_rule_needs_its_hours(as_sylwia):
    response = as_sylwia.post(
        reverse("automation:rule_new"), editor_post(trigger=Trigger.TIME)
    )
    assert response.status_code == 400
    assert "Say after how many business hours." in response.content.decode()


def test_an_unsaved_rule_can_be_tested_against_a_ticket(
    as_sylwia, adam, open_ticket_for
):
    ticket = open_ticket_for(adam, "Nowa faktura za styczeń")
    response = as_sylwia.post(
        reverse("automation:rule_test"),
        editor_post(
            **{"c-0-value": "invoice, faktura", "ticket_number": str(ticket.number)}
        ),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Would match {ticket.reference}: yes, because" in text
    assert "subject contains “faktura”" in text
    assert not Rule.objects.exists()


def test_testing_explains_a_miss(as_sylwia, adam, open_ticket_for):
    ticket = open_ticket_for(adam, "Drukarka")
    response = as_sylwia.post(
        reverse("automation:rule_test"), editor_post(ticket_number=f"#{ticket.number}")
    )
    assert "no, because" in response.content.decode()


def test_testing_an_unknown_ticket_says_so(as_sylwia):
    response = as_sylwia.post(
        reverse("automation:rule_test"), editor_post(ticket_number="999999")
    )
    assert response.status_code == 404
    assert "No ticket with that number." in response.content.decode()


def test_rules_can_be_reordered_and_deleted(as_sylwia):
    first = Rule.objects.create(name="First", position=10)
    second = Rule.objects.create(name="Second", position=20)
    as_sylwia.post(reverse("automation:rule_move", args=[second.pk, "up"]))
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == [
        "Second",
        "First",
    ]
    as_sylwia.post(reverse("automation:rule_delete", args=[first.pk]))
    assert list(Rule.objects.values_list("name", flat=True)) == ["Second"]


def test_changes_need_post(as_sylwia):
    rule = Rule.objects.create(name="R")
    assert (
        as_sylwia.get(reverse("automation:rule_delete", args=[rule.pk])).status_code
        == 405
    )


def test_the_ticket_sla_partial_shows_due_times_and_badges(
    adam, open_ticket_for, standard_policy
):
    from django.template.loader import render_to_string

    ticket = open_ticket_for(adam)
    html = render_to_string("automation/partials/ticket_sla.html", {"ticket": ticket})
    assert "First response" in html
    assert "Resolution" in html
    assert "Policy: Standard" in html
