"""The portal through a real browser: what a customer and a visitor see."""

import re

import pytest
from django.core import mail

from podpora.tickets import services
from podpora.tickets.models import Status
from tests.conftest import PASSWORD, screenshot
from tests.portal.conftest import PNG


@pytest.fixture
def adam(adam):
    """Adam (whose profile says Polish) set to follow his browser: these
    tests read the portal in the browser's English."""
    adam.language = ""
    adam.save(update_fields=["language"])
    return adam


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user, next_path="/portal/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_customer_submits_a_request_with_an_attachment_and_finds_it_in_my_tickets(
    page, live_server, adam, tmp_path
):
    page.goto(live_server.url + "/portal/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("E-mail").fill(adam.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="New request").first.click()
    page.get_by_label("Subject").fill("Monitor miga")
    page.get_by_label("Description").fill("Monitor w sali 3 miga co kilka sekund.")
    screenshot_file = tmp_path / "monitor.png"
    screenshot_file.write_bytes(PNG)
    page.get_by_label("Attachments").set_input_files(str(screenshot_file))
    screenshot(page, "portal-new-request")
    page.get_by_role("button", name="Submit request").click()

    confirmation = page.locator(".portal-number")
    number = confirmation.inner_text()
    assert re.fullmatch(r"#\d+", number)
    assert page.get_by_text("your request was received").is_visible()
    screenshot(page, "portal-request-received")

    page.get_by_role("link", name="Back to my tickets").click()
    row = page.locator("tr", has_text="Monitor miga")
    assert number in row.inner_text()
    assert "New" in row.inner_text()
    screenshot(page, "portal-my-tickets")
    row.get_by_role("link", name="Monitor miga").click()
    assert page.get_by_role("link", name="monitor.png").is_visible()


def test_an_agents_reply_and_new_status_show_but_an_internal_note_does_not(
    page, live_server, adam, tomasz, open_ticket_for
):
    ticket = open_ticket_for(adam, "Brak dostępu do VPN")
    services.add_reply(
        ticket,
        author=tomasz,
        body_text="Proszę podać nazwę komputera.",
        status=Status.WAITING_CUSTOMER,
    )
    services.add_note(
        ticket, author=tomasz, body_text="TAJNE: konto zablokowane przez HR"
    )
    sign_in(page, live_server, adam)
    row = page.locator("tr", has_text="Brak dostępu do VPN")
    assert "Waiting on customer" in row.inner_text()
    row.get_by_role("link", name="Brak dostępu do VPN").click()
    thread = page.locator(".portal-thread")
    assert "Proszę podać nazwę komputera." in thread.inner_text()
    assert "TAJNE" not in page.content()
    page.get_by_label("Your reply").fill("Komputer KL-042.")
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply was added.").is_visible()
    assert "Komputer KL-042." in page.locator(".portal-thread").inner_text()
    assert page.locator(".portal-title .status").inner_text() == "Open"
    screenshot(page, "portal-ticket-thread")


@pytest.mark.parametrize(
    ("locale", "heading", "button"),
    [
        ("pl-PL", "W czym możemy pomóc?", "Wyślij zgłoszenie"),
        ("cs-CZ", "S čím vám můžeme pomoci?", "Zadat požadavek"),
    ],
)
def test_the_portal_speaks_the_browsers_language(
    page_in, live_server, locale, heading, button
):
    tab = page_in(locale)
    tab.goto(live_server.url + "/portal/")
    assert tab.get_by_role("heading", name=heading).is_visible()
    tab.get_by_role("link", name=button).first.click()
    assert tab.locator("html").get_attribute("lang") == locale[:2]
    screenshot(tab, f"portal-public-form-{locale[:2]}")


def test_a_czech_customer_reads_her_tickets_in_czech(
    page_in, live_server, bara, open_ticket_for
):
    open_ticket_for(bara, "Tiskárna netiskne")
    tab = page_in("cs-CZ")
    tab.goto(live_server.url + "/accounts/login/?next=/portal/")
    tab.locator("#id_username").fill(bara.email)
    tab.locator("#id_password").fill(PASSWORD)
    tab.locator("form button[type=submit]").click()
    tab.wait_for_url(re.compile(r"/portal/$"))
    assert tab.get_by_role("heading", name="Moje tikety").is_visible()
    row = tab.locator("tr", has_text="Tiskárna netiskne")
    assert "Nový" in row.inner_text()
    screenshot(tab, "portal-my-tickets-cs")


def test_a_visitor_without_an_account_submits_and_follows_the_ticket_from_the_mail(
    page, live_server, settings, tomasz
):
    settings.PODPORA_BASE_URL = live_server.url
    page.goto(live_server.url + "/portal/request/")
    page.get_by_label("Your name").fill("Jan Nowicki")
    page.get_by_label("Your e-mail").fill("jan@example.org")
    page.get_by_label("Subject").fill("Faktura nie dotarła")
    page.get_by_label("Description").fill("Nie dostałem faktury za październik.")
    page.wait_for_timeout(3200)  # a person takes a few seconds; scripts do not
    page.get_by_role("button", name="Submit request").click()
    assert page.get_by_text("Check your e-mail to send your request").is_visible()
    screenshot(page, "portal-public-request-sent")

    (confirmation,) = mail.outbox  # our words and a link, none of the sender's
    assert "Faktura" not in confirmation.body
    page.goto(
        re.search(r"http://\S+/portal/request/confirm/\S+/", confirmation.body)[0]
    )
    page.get_by_role("button", name="Yes, send my request").click()
    assert page.get_by_text("your request #").is_visible()
    link = re.search(r"http://\S+/portal/t/\S+/", mail.outbox[1].body).group(0)
    from podpora.tickets.models import Ticket

    ticket = Ticket.objects.get()
    services.add_reply(ticket, author=tomasz, body_text="Wysłaliśmy ją ponownie.")

    page.goto(link)
    assert "Wysłaliśmy ją ponownie." in page.locator(".portal-thread").inner_text()
    page.get_by_label("Your reply").fill("Dotarła, dziękuję.")
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply was added.").is_visible()
    page.get_by_role("button", name="Mark as resolved").click()
    assert page.locator(".portal-title .status").inner_text() == "Resolved"
    screenshot(page, "portal-follow-link")


def test_an_invited_czech_customer_chooses_a_password_and_lands_in_a_czech_portal(
    page, live_server, settings, tomasz, org_b
):
    from podpora.portal.services import invite

    settings.PODPORA_BASE_URL = live_server.url
    invite(
        invited_by=tomasz,
        email="jana@novak.cz",
        full_name="Jana Dvořáková",
        language="cs",
        organization=org_b,
    )
    (message,) = mail.outbox
    assert message.subject == "Zveme vás do našeho centra podpory"
    link = re.search(r"http://\S+/portal/welcome/\S+/", message.body).group(0)
    page.goto(link)  # the browser asks for English; the account says Czech
    page.get_by_label("New password", exact=True).fill("modra-kocka-na-strese-7")
    page.get_by_label("New password confirmation").fill("modra-kocka-na-strese-7")
    page.get_by_role("button", name="Save and sign in").click()
    assert page.get_by_role("heading", name="Moje tikety").is_visible()
    assert page.get_by_text("Heslo je nastaveno. Vítejte!").is_visible()
    screenshot(page, "portal-invited-customer-cs")


def test_a_too_large_file_is_refused_as_soon_as_it_is_chosen(
    page, live_server, settings, adam
):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 1024
    sign_in(page, live_server, adam, "/portal/new/")
    page.get_by_label("Subject").fill("Duży plik")
    page.get_by_label("Attachments").set_input_files(
        [
            {"name": "small.txt", "mimeType": "text/plain", "buffer": b"ok"},
            {"name": "huge.zip", "mimeType": "application/zip", "buffer": b"x" * 4096},
        ]
    )
    alert = page.locator(".portal-file-error")
    assert "huge.zip" in alert.inner_text()
    assert "small.txt" not in alert.inner_text()
    assert page.get_by_label("Subject").input_value() == "Duży plik"
    assert page.get_by_label("Attachments").evaluate("input => input.files.length") == 0
