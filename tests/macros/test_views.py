import pytest
from django.urls import reverse

from podpora.macros.models import Macro
from podpora.tickets.models import MessageKind, Priority, Status
from tests.desk.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_ticket_page_offers_the_agents_macros(
    tomasz, petra, tomasz_client, printer_ticket, ask_for_model
):
    Macro.objects.create(title="Tomasz's own", note="x", owner=tomasz)
    Macro.objects.create(title="Petra's own", note="x", owner=petra)
    page = tomasz_client.get(reverse("desk:ticket", args=[printer_ticket.number]))
    picker = page.text.split('id="macro-form"')[1].split("</form>")[0]
    assert f'value="{ask_for_model.pk}"' in picker
    assert "Printer: ask for model and error <small>(shared)</small>" in picker
    assert "Tomasz&#x27;s own" in picker
    assert "Petra" not in picker


def test_many_macros_are_offered_in_a_list_instead_of_buttons(
    tomasz, tomasz_client, printer_ticket
):
    for n in range(9):
        Macro.objects.create(title=f"Macro {n}", note="x", owner=tomasz)
    page = tomasz_client.get(reverse("desk:ticket", args=[printer_ticket.number]))
    picker = page.text.split('id="macro-form"')[1].split("</form>")[0]
    assert picker.count("<option") == 10
    assert picker.count("<button") == 1


def test_one_click_applies_the_macro_and_the_page_says_so(
    tomasz_client, printer_ticket, ask_for_model
):
    response = tomasz_client.post(
        reverse("desk:macros:apply", args=[printer_ticket.number]),
        {"macro": ask_for_model.pk, "version": printer_ticket.version},
        follow=True,
    )
    assert "Macro “Printer: ask for model and error” applied." in response.text
    printer_ticket.refresh_from_db()
    assert printer_ticket.status == Status.WAITING_CUSTOMER
    assert printer_ticket.messages.filter(kind=MessageKind.REPLY).count() == 1
    assert "prosimy o model drukarki" in response.text


def test_a_stale_page_applies_nothing_and_explains(
    tomasz_client, sylwia, printer_ticket, ask_for_model
):
    from podpora.tickets import services

    seen = printer_ticket.version
    services.update_ticket(printer_ticket, actor=sylwia, priority=Priority.URGENT)
    response = tomasz_client.post(
        reverse("desk:macros:apply", args=[printer_ticket.number]),
        {"macro": ask_for_model.pk, "version": seen},
        follow=True,
    )
    assert "nothing was applied" in response.text
    assert not printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_applying_to_a_ticket_out_of_scope_is_404(petra, printer_ticket, ask_for_model):
    response = signed_in(petra).post(
        reverse("desk:macros:apply", args=[printer_ticket.number]),
        {"macro": ask_for_model.pk},
    )
    assert response.status_code == 404


def test_customers_get_404_on_the_macro_pages(anna, printer_ticket, ask_for_model):
    client = signed_in(anna)
    assert client.get(reverse("desk:macros:list")).status_code == 404
    apply_url = reverse("desk:macros:apply", args=[printer_ticket.number])
    assert client.post(apply_url, {"macro": ask_for_model.pk}).status_code == 404


def test_agent_creates_a_personal_macro_and_cannot_share_it(tomasz, tomasz_client):
    form = tomasz_client.get(reverse("desk:macros:new"))
    assert form.status_code == 200
    assert "{{ requester_name }}" in form.text
    assert "Shared with every agent" not in form.text
    tomasz_client.post(
        reverse("desk:macros:new"),
        {
            "title": "Restart",
            "reply": "Please restart, {{ requester_name }}.",
            "status": Status.WAITING_CUSTOMER,
            "tag_list": "restart, Self-help",
            "shared": "on",
        },
    )
    macro = Macro.objects.get(title="Restart")
    assert macro.owner == tomasz
    assert macro.tags == ["restart", "self-help"]
    edit = tomasz_client.get(reverse("desk:macros:edit", args=[macro.pk]))
    assert "restart, self-help" in edit.text


def test_supervisor_shares_a_macro_and_agents_cannot_change_it(
    sylwia_client, tomasz_client, infrastructure
):
    sylwia_client.post(
        reverse("desk:macros:new"),
        {"title": "Escalate", "team": infrastructure.pk, "shared": "on"},
    )
    shared = Macro.objects.get(title="Escalate")
    assert shared.is_shared
    assert "Escalate" in tomasz_client.get(reverse("desk:macros:list")).text
    assert (
        tomasz_client.get(reverse("desk:macros:edit", args=[shared.pk])).status_code
        == 404
    )
    delete = tomasz_client.post(reverse("desk:macros:delete", args=[shared.pk]))
    assert delete.status_code == 404
    assert Macro.objects.filter(pk=shared.pk).exists()


def test_the_form_explains_an_empty_macro_and_an_unknown_placeholder(
    tomasz_client,
):
    empty = tomasz_client.post(reverse("desk:macros:new"), {"title": "Nothing"})
    assert empty.status_code == 400
    assert "A macro must do something" in empty.text
    typo = tomasz_client.post(
        reverse("desk:macros:new"),
        {"title": "Typo", "reply": "Hi {{ requester_nmae }}, {{ agent_name }}"},
    )
    assert typo.status_code == 400
    assert "Unknown placeholder: requester_nmae." in typo.text
    assert "Hi {{ requester_nmae }}" in typo.text  # what was typed stays


def test_the_macro_pages_speak_polish(tomasz, tomasz_client):
    tomasz.language = "pl"
    tomasz.save()
    mine = Macro.objects.create(title="Mine", note="x", owner=tomasz)
    response = tomasz_client.get(
        reverse("desk:macros:list"), headers={"accept-language": "pl"}
    )
    assert "Makra" in response.text
    edit = tomasz_client.get(reverse("desk:macros:edit", args=[mine.pk]))
    assert edit.status_code == 200


def test_owner_deletes_a_personal_macro(tomasz, tomasz_client):
    mine = Macro.objects.create(title="Mine", note="x", owner=tomasz)
    tomasz_client.post(reverse("desk:macros:delete", args=[mine.pk]))
    assert not Macro.objects.filter(pk=mine.pk).exists()


def test_supervisor_applies_a_macro_to_the_selected_tickets(
    sylwia_client, printer_ticket, vpn_ticket, ask_for_model
):
    queue = sylwia_client.get(reverse("desk:queue", args=["open"]))
    assert "Apply the macro to selected" in queue.text
    response = sylwia_client.post(
        reverse("desk:bulk"),
        {
            "tickets": [printer_ticket.number, vpn_ticket.number, 99999],
            "action": "assign",
            "macro": ask_for_model.pk,
            "apply_macro": "1",
            "next": "/desk/",
        },
        follow=True,
    )
    assert "applied to 2 tickets" in response.text
    assert "#99999" in response.text
    for ticket in (printer_ticket, vpn_ticket):
        ticket.refresh_from_db()
        assert ticket.priority == Priority.HIGH
        assert ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_an_agent_without_the_bulk_right_cannot_apply_a_macro_in_bulk(
    tomasz_client, printer_ticket, ask_for_model
):
    tomasz_client.post(
        reverse("desk:bulk"),
        {
            "tickets": [printer_ticket.number],
            "macro": ask_for_model.pk,
            "apply_macro": "1",
        },
    )
    assert not printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_the_desk_top_bar_links_to_the_macros(tomasz_client):
    page = tomasz_client.get(
        reverse("desk:macros:new"), headers={"accept-language": "cs"}
    )
    assert f'<a href="{reverse("desk:macros:list")}">Makra</a>' in page.text
