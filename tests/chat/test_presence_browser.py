"""Two agents on one ticket, in two browsers against a real server: each
sees the other, sees her typing, and sees her reply arrive without losing
the text he is writing."""

import pytest

from tests.chat.conftest import signed_in_page
from tests.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_two_agents_see_each_other_and_the_reply_of_the_other(
    _playwright_browser,  # noqa: PT019 -- the shared browser, for two contexts
    start_server,
    tomasz,
    sylwia,
    adam,
    service_desk,
    open_ticket_for,
):
    tomasz.language = sylwia.language = ""
    tomasz.save()
    sylwia.save()
    ticket = open_ticket_for(adam, "Drukarka nie drukuje", team=service_desk)
    server = start_server()
    url = f"{server.url}/desk/tickets/{ticket.number}/"

    his = signed_in_page(_playwright_browser, server, tomasz)
    her = signed_in_page(_playwright_browser, server, sylwia)
    his.goto(url)
    her.goto(url)
    his.get_by_text("Also on this ticket: Sylwia Zielińska").wait_for()
    her.get_by_text("Also on this ticket: Tomasz Wiśniewski").wait_for()

    his.get_by_label("Reply to the requester").fill("Half-written answer")
    her.get_by_label("Reply to the requester").type("Prosimy o model drukarki.")
    his.get_by_text("Sylwia Zielińska — typing a reply…").wait_for()

    her.get_by_role("button", name="Send reply").click()
    her.get_by_text("Your reply was sent.").wait_for()
    his.get_by_text(
        "Sylwia Zielińska added to the conversation; it is up to date below."
    ).wait_for()
    his.locator("#thread .msg-reply", has_text="Prosimy o model drukarki.").wait_for()
    assert his.get_by_label("Reply to the requester").input_value() == (
        "Half-written answer"
    )
    screenshot(his, "desk-ticket-presence")

    her.close()
    his.get_by_text("Also on this ticket").wait_for(state="hidden")
