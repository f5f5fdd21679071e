import pytest

from tests.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_signs_in_through_a_real_browser(page, live_server, adam):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail").fill(adam.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url
    screenshot(page, "signed-in")
