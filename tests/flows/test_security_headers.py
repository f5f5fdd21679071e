"""The Content-Security-Policy holds in a real browser, against a real
``podpora serve``: the desk, the portal, the chat console, the widget's test
page, the API docs and the reports dashboard run without a single violation,
and still work (htmx swaps, WebSockets, the widget's styles, Swagger UI,
confirmations, charts).

HSTS is sent over HTTPS only, and HTTPS is believed from a trusted proxy only.

Every page's headers and HTML are checked by the crawl (test_crawl.py).
"""

import re
from urllib.request import Request, urlopen

import pytest

from podpora.automation.models import Rule
from podpora.chat.models import ChatWidget
from podpora.tickets import services
from podpora.tickets.models import Channel
from tests.chat.conftest import signed_in_page, start_server  # noqa: F401 -- a fixture
from tests.conftest import screenshot

GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
    b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
# Every violation of the page's policy, as the page itself sees them.
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def watched(page) -> list[str]:
    """The tab's CSP complaints: its console's and each page's own events
    (read by ``violations``)."""
    complaints: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return complaints


def violations(page, complaints: list[str]) -> list[str]:
    return complaints + page.evaluate("window.cspViolations")


def get(url: str, **headers: str):
    with urlopen(Request(url, headers=headers), timeout=10) as response:
        return response.headers


@pytest.fixture
def tracked_ticket(adam, service_desk):
    return services.open_ticket(
        subject="Faktura",
        requester=adam,
        channel=Channel.EMAIL,
        team=service_desk,
        body_html='<p>Logo:</p><img src="https://tracker.example/logo.gif" alt="logo">',
    )


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the server processes read the data
def test_the_desk_portal_console_widget_docs_and_charts_run_without_a_violation(
    _playwright_browser,  # noqa: PT019 -- the shared browser, for several people
    start_server,  # noqa: F811
    tomasz,
    adam,
    alicja,
    service_desk,
    org_a,
    tracked_ticket,
):
    tomasz.availability = "available"
    tomasz.save()
    widget = ChatWidget.objects.create(
        name="Kowalski shop", team=service_desk, organization=org_a, language="en"
    )
    rule = Rule.objects.create(name="Drukarki", conditions=[], actions=[])
    server = start_server()
    policy = get(server.url + "/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy

    # The desk: a ticket's page opens its socket; "Show images" swaps the
    # message in with its remote image, which this page's policy allows.
    agent = signed_in_page(_playwright_browser, server, tomasz)
    complaints = watched(agent)
    agent.route(
        re.compile(r"https://tracker\.example/.*"),
        lambda route: route.fulfill(status=200, content_type="image/gif", body=GIF),
    )
    with agent.expect_websocket(lambda ws: "/ws/desk/" in ws.url):
        agent.goto(f"{server.url}/desk/tickets/{tracked_ticket.number}/")
    agent.get_by_role("link", name="Show images").click()
    logo = agent.locator('img[alt="logo"][src$="logo.gif"]')
    logo.wait_for()
    agent.wait_for_function(
        "document.querySelector('img[alt=logo]').naturalWidth > 0", timeout=5000
    )
    assert violations(agent, complaints) == []

    # The chat console: its socket, and the availability list that sends
    # its form when changed (a data attribute now, not onchange=).
    with agent.expect_websocket(lambda ws: "/ws/" in ws.url):
        agent.goto(f"{server.url}/chat/console/")
    with agent.expect_navigation():
        agent.select_option("#availability", "away")
    tomasz.refresh_from_db()
    assert tomasz.availability == "away"
    assert violations(agent, complaints) == []

    # The widget's test page: the widget shows, styled, in its shadow root.
    agent.goto(f"{server.url}/chat/w/{widget.public_key}/try")
    button = agent.locator("[data-podpora-chat] button.open")
    button.wait_for()
    assert button.evaluate("b => getComputedStyle(b).position") == "fixed"
    button.click()
    agent.locator("[data-podpora-chat] .panel").wait_for()
    assert violations(agent, complaints) == []

    # The API docs: Swagger UI draws the operations.
    agent.goto(f"{server.url}/api/v1/docs")
    # (The first request for the schema builds it: a fresh server takes a while.)
    agent.get_by_text("Create an organisation").first.wait_for(timeout=45_000)
    assert violations(agent, complaints) == []
    screenshot(agent, "csp-api-docs")

    # The portal, as the customer.
    customer = signed_in_page(_playwright_browser, server, adam)
    customer_complaints = watched(customer)
    customer.goto(f"{server.url}/portal/")
    customer.goto(f"{server.url}/portal/tickets/{tracked_ticket.number}/")
    customer.get_by_text("Logo:").wait_for()
    assert violations(customer, customer_complaints) == []

    # A confirmation asked by data-confirm (once onsubmit=): dismissed, the
    # rule stays; accepted, it goes.
    admin = signed_in_page(_playwright_browser, server, alicja)
    admin_complaints = watched(admin)
    admin.goto(f"{server.url}/automation/rules/")
    delete = admin.locator(f"form[action$='/{rule.pk}/delete/'] button")
    admin.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    admin.wait_for_timeout(300)
    assert Rule.objects.filter(pk=rule.pk).exists()
    admin.once("dialog", lambda dialog: dialog.accept())
    with admin.expect_navigation():
        delete.click()
    assert not Rule.objects.filter(pk=rule.pk).exists()
    assert violations(admin, admin_complaints) == []

    # The reports dashboard: Chart.js draws on its canvases.
    admin.goto(f"{server.url}/reports/")
    admin.wait_for_function(
        "document.querySelector('#chart-trend').width > 0"
        " && Chart.getChart(document.querySelector('#chart-trend'))"
    )
    assert violations(admin, admin_complaints) == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the server processes read the data
def test_hsts_only_over_https_as_told_by_a_trusted_proxy(start_server):  # noqa: F811
    trusting = start_server(PODPORA_TRUSTED_PROXIES="127.0.0.1")
    https = get(trusting.url + "/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert https["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in get(trusting.url + "/accounts/login/")

    # A proxy that is not trusted cannot claim HTTPS.
    distrusting = start_server(PODPORA_HSTS_SECONDS="600")
    headers = get(
        distrusting.url + "/accounts/login/", **{"X-Forwarded-Proto": "https"}
    )
    assert "Strict-Transport-Security" not in headers
    for name, value in {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }.items():
        assert headers[name] == value


@pytest.mark.django_db
def test_only_the_pages_that_show_images_on_request_allow_remote_images(
    tomasz, tracked_ticket
):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(tomasz)
    message = tracked_ticket.messages.get()

    def img_src(url: str) -> str:
        policy = client.get(url)["Content-Security-Policy"]
        return next(d for d in policy.split("; ") if d.startswith("img-src"))

    number = tracked_ticket.number
    assert img_src(reverse("desk:ticket", args=[number])) == (
        "img-src 'self' data: https: http:"
    )
    assert img_src(reverse("desk:message_images", args=[number, message.pk])) == (
        "img-src 'self' data: https: http:"
    )
    for elsewhere in ("/desk/", reverse("portal:ticket", args=[number])):
        assert img_src(elsewhere) == "img-src 'self' data:"
