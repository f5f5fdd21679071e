"""The ticket page's composer in a real browser: the reply after a panel
change, a conflict that keeps text and files, canned replies, drafts."""

import re

import pytest
from playwright.sync_api import expect

from podpora.desk.models import CannedReply
from podpora.tickets import services
from podpora.tickets.models import MessageKind, Priority
from tests.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_ticket_page(page, live_server, agent, ticket):
    agent.language = ""
    agent.save()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label(re.compile("E-mail")).fill(agent.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/desk/tickets/{ticket.number}/")


def _file(name: str) -> dict:
    return {"name": name, "mimeType": "text/plain", "buffer": f"{name} log".encode()}


def test_reply_after_a_panel_change_is_sent_and_a_real_conflict_keeps_text_and_file(
    page, live_server, petra, sylwia, open_ticket_for, bara, infrastructure
):
    ticket = open_ticket_for(bara, "Backup failed", team=infrastructure)
    _open_ticket_page(page, live_server, petra, ticket)

    # The agent's own change in the panel is no conflict for their reply.
    page.locator("#prop_priority").select_option("4")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Saved.").wait_for()
    page.get_by_label("Reply to the requester").fill("Restarting the backup job.")
    page.locator("#id_reply_files").set_input_files(_file("first.txt"))
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Your reply was sent.").wait_for()
    first = ticket.messages.get(kind=MessageKind.REPLY)
    assert first.attachments.get().original_name == "first.txt"

    # Another agent's change is one: the text and the file wait for the agent.
    services.update_ticket(ticket, actor=sylwia, priority=Priority.LOW)
    page.get_by_label("Reply to the requester").fill("The job ran; please check.")
    page.locator("#id_reply_files").set_input_files(_file("second.txt"))
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Someone changed this ticket since you opened it.").wait_for()
    changes = page.locator("#reply ul.changes")
    assert changes.inner_text() == "Sylwia Zielińska changed priority: Urgent → Low"
    assert page.get_by_label("Reply to the requester").input_value() == (
        "The job ran; please check."
    )
    kept = page.get_by_label(re.compile("second.txt"))
    assert kept.is_checked()
    screenshot(page, "desk-reply-conflict-keeps-file")
    page.get_by_role("button", name="Send anyway").click()
    page.get_by_text("Your reply was sent.").wait_for()
    second = ticket.messages.filter(kind=MessageKind.REPLY).order_by("pk").last()
    assert second.body_text == "The job ran; please check."
    assert second.attachments.get().original_name == "second.txt"


def test_canned_reply_goes_into_the_box_without_reloading(
    page, live_server, petra, open_ticket_for, bara, infrastructure
):
    CannedReply.objects.create(title="Thanks", body="Thank you, {{ requester_name }}.")
    ticket = open_ticket_for(bara, "Printer jam", team=infrastructure)
    _open_ticket_page(page, live_server, petra, ticket)
    # Only for browsers without scripts; with them it must not show (nor
    # reload the page, and the typed reply with it, when clicked).
    assert not page.locator(".canned-fallback").is_visible()
    box = page.get_by_label("Reply to the requester")
    box.fill("Typed first. ")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Insert a canned reply").select_option(label="Thanks (shared)")
    # Polled from outside the page: its Content-Security-Policy forbids
    # evaluating strings in it.
    expect(box).to_have_value(re.compile(r"^Typed first\. Thank you, "))
    assert page.evaluate("window.notReloaded") is True
    page.get_by_text("Draft saved.").first.wait_for()


def test_a_typed_reply_and_note_survive_a_reload_until_sent(
    page, live_server, petra, open_ticket_for, bara, infrastructure
):
    ticket = open_ticket_for(bara, "Disk almost full", team=infrastructure)
    _open_ticket_page(page, live_server, petra, ticket)
    page.get_by_label("Reply to the requester").fill("Cleaning up the old logs now.")
    page.locator("#id_note-body").fill("Volume D: 97 %")
    page.get_by_text("Draft saved.").first.wait_for()
    page.locator(".draft-status").nth(1).filter(has_text="Draft saved.").wait_for()
    page.reload()
    assert page.get_by_label("Reply to the requester").input_value() == (
        "Cleaning up the old logs now."
    )
    assert page.locator("#id_note-body").input_value() == "Volume D: 97 %"

    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Your reply was sent.").wait_for()
    page.reload()
    assert page.get_by_label("Reply to the requester").input_value() == ""
    assert page.locator("#id_note-body").input_value() == "Volume D: 97 %"
    page.get_by_role("button", name="Add internal note").click()
    page.get_by_text("Note added.").wait_for()
    page.reload()
    assert page.locator("#id_note-body").input_value() == ""
