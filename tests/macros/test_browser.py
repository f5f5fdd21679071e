"""An agent applies a macro on the ticket page: one click replies, notes and
sets the fields, and the text she had started typing is still there."""

import re

import pytest

from podpora.macros.models import Macro
from podpora.tickets.models import MessageKind, Priority, Status
from tests.conftest import screenshot
from tests.desk.test_browser_desk import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_applies_a_macro_in_one_click_and_keeps_her_draft(
    page, live_server, tomasz, adam, service_desk, open_ticket_for
):
    tomasz.language = ""
    tomasz.save()
    ticket = open_ticket_for(adam, "Drukarka nie drukuje", team=service_desk)
    Macro.objects.create(
        title="Printer: ask for model and error",
        reply="Dzień dobry {{ requester_name }}, prosimy o model drukarki.",
        note="Asked for the model.",
        status=Status.WAITING_CUSTOMER,
        priority=Priority.HIGH,
        tags=["printer"],
    )
    _sign_in(page, live_server, tomasz)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.number}/")
    page.locator("#id_note-body").fill("Started a note, not sent yet")

    page.get_by_role("button", name="Printer: ask for model and error").click()

    page.get_by_text("Macro “Printer: ask for model and error” applied.").wait_for()
    thread = page.locator("#thread")
    assert "Dzień dobry Adam Nowak, prosimy o model drukarki." in (
        thread.locator(".msg-reply").inner_text()
    )
    assert thread.locator(".msg-note", has_text="Asked for the model.").count() == 1
    assert page.locator(".ticket-head .status").inner_text() == "Waiting on customer"
    assert page.locator(".ticket-head .prio").inner_text() == "High"
    assert page.locator("#id_note-body").input_value() == "Started a note, not sent yet"
    page.get_by_text("History").click()
    history = page.locator("ol.history").inner_text()
    assert re.search(r"Tomasz Wiśniewski replied", history)
    assert "Tomasz Wiśniewski added an internal note" in history
    screenshot(page, "desk-macro-applied")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Status.WAITING_CUSTOMER, Priority.HIGH)
    assert list(ticket.tags.values_list("name", flat=True)) == ["printer"]
    assert ticket.messages.filter(kind=MessageKind.REPLY).count() == 1
