"""The dashboard and the organisation report as people see them."""

import pytest
from django.conf import settings

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARCH = "start=2026-03-01&end=2026-03-31"

# True when a canvas has at least one painted (non-transparent) pixel.
PAINTED = """(id) => {
  const c = document.getElementById(id);
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
}"""


def sign_in(page, live_server, client, user):
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_dashboard_draws_charts_from_the_figures(
    page, live_server, client, sylwia, fortnight
):
    sign_in(page, live_server, client, sylwia)

    page.goto(f"{live_server.url}/reports/?{MARCH}")
    page.wait_for_selector("body[data-charts-ready='1']")

    for chart in ("chart-trend", "chart-hours", "chart-weekdays", "chart-agents"):
        assert page.locator(f"#{chart}").is_visible()
        assert page.evaluate(PAINTED, chart), f"{chart} is blank"
    kpis = page.locator(".kpi-value").all_inner_texts()
    assert kpis[:3] == ["5", "3", "2"]
    assert "Tomasz Wiśniewski" in page.locator("#agents-table").inner_text()
    screenshot(page, "reports-dashboard")


def test_filtering_the_dashboard_by_organisation(
    page, live_server, client, sylwia, org_b, fortnight
):
    sign_in(page, live_server, client, sylwia)
    page.goto(f"{live_server.url}/reports/?{MARCH}")

    page.select_option("#id_organization", str(org_b.pk))
    page.click("#report-filters button[type=submit]")
    page.wait_for_selector("body[data-charts-ready='1']")

    assert page.locator(".kpi-value").first.inner_text() == "1"


def test_manager_downloads_her_monthly_report_as_pdf_and_csv(
    page, live_server, client, anna, org_a, fortnight
):
    sign_in(page, live_server, client, anna)

    page.goto(f"{live_server.url}/reports/organisations/{org_a.pk}/2026-03/")
    assert "Kowalski Logistyka sp. z o.o." in page.locator("h1").inner_text()
    screenshot(page, "reports-organisation-month")

    with page.expect_download() as pdf:
        page.click("#download-pdf")
    assert pdf.value.suggested_filename.endswith("2026-03.pdf")
    with open(pdf.value.path(), "rb") as f:
        assert f.read(4) == b"%PDF"

    with page.expect_download() as csv:
        page.click("#download-csv")
    assert csv.value.suggested_filename.endswith("2026-03.csv")
    with open(csv.value.path(), encoding="utf-8-sig") as f:
        content = f.read()
    assert "Outlook się zawiesza" in content
    assert "VPN nefunguje" not in content

    page.emulate_media(media="print")
    assert not page.locator(".report-actions").is_visible()
    screenshot(page, "reports-organisation-month-print")
