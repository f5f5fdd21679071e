"""An administrator decides about held mail in a real browser."""

import pytest

from podpora.mail import intake
from podpora.mail.models import InboundState, Mailbox
from podpora.tickets.models import Ticket
from tests.conftest import PASSWORD, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_accepts_held_mail_from_the_mail_page(
    page, live_server, alicja, settings
):
    # Two-factor sign-in for administrators has its own tests (tests/accounts).
    settings.PODPORA_MFA_REQUIRED_FOR = []
    strict = Mailbox.objects.create(
        name="office",
        kind="pipe",
        addresses="office@podpora.test",
        unknown_senders="hold",
    )
    held = intake.receive(
        strict,
        "From: Jan Nowy <jan@gmail.example>\nTo: office@podpora.test\n"
        "Subject: Zepsuty laptop\nMessage-ID: <b1@gmail.example>\n\nLaptop nie włącza się.\n".encode(),
    )
    intake.receive(strict, b"Subject: no sender\n\nwho am I\n")
    page.goto(live_server.url + "/accounts/login/?next=/mail/")
    page.fill("input[name=username]", alicja.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mail/")
    assert page.locator("tbody tr[id^=mail-]").count() == 2
    screenshot(page, "mail-admin-held-and-failed")
    page.locator(f"#mail-{held.pk} button", has_text="Accept as ticket").click()
    page.wait_for_load_state()
    assert "became part of ticket" in page.content()
    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED
    assert Ticket.objects.get().requester.email == "jan@gmail.example"
    screenshot(page, "mail-admin-after-accept")
