import pytest

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_work_without_internet(page, live_server):
    outside: list[str] = []

    def only_our_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_server)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.get_by_text("Create an organisation").first.wait_for()
    assert page.get_by_text("Podpora API").first.is_visible()
    screenshot(page, "api-docs-offline")
    assert outside == []
