import re

import pytest

from podpora.tickets import services
from podpora.tickets.models import Priority
from tests.conftest import screenshot
from tests.desk.test_browser_desk import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_saves_filtered_queue_as_a_shared_view_another_team_does_not_see(
    page, live_server, tomasz, petra, open_ticket_for, adam, service_desk
):
    for agent in (tomasz, petra):
        agent.language = ""
        agent.save()
    urgent = open_ticket_for(adam, "Serwer plików nie odpowiada", team=service_desk)
    services.update_ticket(urgent, actor=tomasz, priority=Priority.URGENT)
    open_ticket_for(adam, "Nowa mysz", team=service_desk)
    _sign_in(page, live_server, tomasz)

    page.goto(live_server.url + "/desk/queues/open/")
    page.locator("details.filters summary").click()
    page.locator("#id_priority").select_option("4")
    screenshot(page, "desk-queue-filters")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert page.locator("tr.row").count() == 1

    page.locator("details.save-view summary").first.click()
    page.get_by_label("Name").fill("Pilne w zespole")
    page.get_by_label("Share with").select_option(label="Service Desk")
    page.locator("details.save-view form button[type=submit]").first.click()
    page.get_by_text("View saved.").wait_for()

    link = page.locator(".sidebar a", has_text="Pilne w zespole")
    assert link.locator(".badge").inner_text() == "1"
    assert page.get_by_role("heading", name=re.compile("Pilne w zespole")).is_visible()
    assert page.locator("tr.row", has_text="Serwer plików nie odpowiada").count() == 1
    assert page.locator("tr.row").count() == 1
    screenshot(page, "desk-saved-view")

    page.locator("form[action='/accounts/logout/'] button").click()
    _sign_in(page, live_server, petra)
    page.goto(live_server.url + "/desk/queues/open/")
    assert page.locator(".sidebar a", has_text="Pilne w zespole").count() == 0
