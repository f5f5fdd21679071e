import re

import pytest

from podpora.tickets.models import MessageKind
from tests.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile("E-mail")).fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_agent_takes_a_ticket_from_the_unassigned_queue_replies_and_notes(
    page, live_server, petra, open_ticket_for, bara, infrastructure
):
    petra.language = ""
    petra.save()
    ticket = open_ticket_for(
        bara, "Server room air conditioning alarm", team=infrastructure
    )
    _sign_in(page, live_server, petra)

    page.get_by_role("link", name=re.compile("Unassigned in my teams")).click()
    row = page.locator("tr.row", has_text="Server room air conditioning alarm")
    assert row.count() == 1
    screenshot(page, "desk-queue-unassigned")

    row.get_by_role("link", name="Server room air conditioning alarm").click()
    page.get_by_role("button", name="Assign to me").click()
    assert page.get_by_text("The ticket is now yours.").is_visible()

    page.get_by_label("Reply to the requester").fill(
        "We are on it; a technician is on the way."
    )
    page.get_by_label("Then set the status to").select_option("waiting_customer")
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply was sent.").is_visible()

    page.locator("#id_note-body").fill("Compressor 2 fault code E7, call the vendor.")
    page.get_by_role("button", name="Add internal note").click()
    assert page.get_by_text("Note added.").is_visible()

    thread = page.locator("#thread")
    assert thread.locator(".msg-reply").count() == 1
    assert thread.locator(".msg-note").count() == 1
    screenshot(page, "desk-ticket-page")

    ticket.refresh_from_db()
    assert ticket.assignee == petra
    assert ticket.status == "waiting_customer"
    kinds = list(ticket.messages.values_list("kind", flat=True))
    assert kinds == [MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.NOTE]


def test_field_change_through_htmx_updates_the_panel_in_place(
    page, live_server, petra, open_ticket_for, bara, infrastructure
):
    petra.language = ""
    petra.save()
    ticket = open_ticket_for(bara, "Backup failed", team=infrastructure)
    _sign_in(page, live_server, petra)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.number}/")
    page.locator("#prop_priority").select_option("4")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Saved.").wait_for()
    ticket.refresh_from_db()
    assert ticket.priority == 4


def test_polish_and_czech_desks_render_translated(
    page, live_server, tomasz, petra, open_ticket_for, adam, bara, service_desk
):
    tomasz.language = "pl"
    tomasz.save()
    ticket = open_ticket_for(adam, "Drukarka nie drukuje", team=service_desk)
    _sign_in(page, live_server, tomasz)
    page.goto(live_server.url + "/desk/queues/open/")
    assert page.get_by_role("heading", name="Wszystkie otwarte").is_visible()
    assert page.locator("html").get_attribute("lang") == "pl"
    screenshot(page, "desk-queue-pl")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.number}/")
    assert page.get_by_role("button", name="Wyślij odpowiedź").is_visible()
    screenshot(page, "desk-ticket-pl")
    page.locator("form[action='/accounts/logout/'] button").click()

    _sign_in(page, live_server, petra)  # Petra chose Czech
    page.goto(live_server.url + "/desk/queues/open/")
    assert page.get_by_role("heading", name="Všechny otevřené").is_visible()
    screenshot(page, "desk-queue-cs")


def test_desk_fits_a_phone_screen(
    page, live_server, petra, open_ticket_for, bara, infrastructure
):
    ticket = open_ticket_for(bara, "Phone-size check", team=infrastructure)
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, petra)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.number}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    screenshot(page, "desk-ticket-phone")


def test_phone_intake_finds_the_caller_as_the_agent_types(
    page, live_server, tomasz, adam
):
    from podpora.tickets.models import Ticket

    tomasz.language = ""
    tomasz.save()
    _sign_in(page, live_server, tomasz)
    page.get_by_role("link", name="Log a call").click()
    page.get_by_label("Find by name, e-mail or phone").fill("Nowak")
    page.get_by_role("button", name=re.compile("Adam Nowak")).click()
    page.locator("#chosen-caller").get_by_text("Adam Nowak").wait_for()
    page.get_by_label("Subject").fill("Monitor flickers")
    page.get_by_label("Call notes").fill("Called at 9:10; the left monitor flickers.")
    page.get_by_label("Remote session ID").fill("AnyDesk 123 456")
    screenshot(page, "desk-phone-intake")
    page.get_by_role("button", name="Create the ticket").click()
    page.get_by_text("was logged for Adam Nowak").wait_for()
    ticket = Ticket.objects.get(subject="Monitor flickers")
    assert ticket.requester == adam
    assert ticket.channel == "phone"
    assert ticket.assignee == tomasz
