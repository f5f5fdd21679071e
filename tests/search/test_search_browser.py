import pytest

from tests.conftest import PASSWORD, screenshot


@pytest.fixture
def adam(adam):
    """Adam's profile says Polish; these tests read the English pages."""
    adam.language = ""
    adam.save(update_fields=["language"])
    return adam


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_agent_types_a_query_without_accents_and_sees_highlighted_hits(
    page, live_server, sylwia, anna, open_ticket_for
):
    open_ticket_for(
        anna, "Żółty pasek na monitorze", body_text="Od rana monitor ma żółty pasek."
    )
    open_ticket_for(anna, "Faktura za październik", body_text="Brak faktury w PDF.")
    _sign_in(page, live_server, sylwia)
    page.goto(live_server.url + "/search/")
    # The desk's navigation stays, with its own box for a ticket number.
    assert page.get_by_role("navigation", name="Desk").is_visible()
    page.get_by_role("searchbox", name="Search", exact=True).fill("zolty")
    page.get_by_role("button", name="Search", exact=True).click()
    hit = page.locator(".search-hit")
    hit.first.wait_for()
    assert hit.count() == 1
    assert hit.locator(".hit-title mark").first.inner_text() == "Żółty"
    screenshot(page, "search-agent")


def test_token_page_shows_a_new_secret_once(page, live_server, adam):
    _sign_in(page, live_server, adam)
    page.goto(live_server.url + "/api/tokens/")
    page.get_by_label("Name").fill("Intranet")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("pdp_")
    screenshot(page, "api-tokens")
    page.reload()
    assert page.locator("#new-token").count() == 0
