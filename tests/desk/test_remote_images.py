"""Remote images in customers' HTML (tracking pixels) are not loaded in the
desk nor the portal until an agent asks for them, for one message."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from podpora.tickets import services
from podpora.tickets.models import Channel
from tests.conftest import screenshot
from tests.desk.conftest import signed_in

PNG = bytes.fromhex(  # a real 1×1 picture, so the browser shows it
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
    b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
TRACKER = re.compile(r"""src\s*=\s*["']?[^"'>]*tracker\.example""", re.I)


@pytest.fixture
def tracked_ticket(adam, service_desk):
    """Adam's mail with a tracking pixel and an inline screenshot, then a
    second mail with another remote image."""
    ticket = services.open_ticket(
        subject="Faktura",
        requester=adam,
        channel=Channel.EMAIL,
        team=service_desk,
        body_html=(
            '<p>Dzień dobry,</p><img src="https://tracker.example/p.gif" '
            'width="1" height="1" alt="">'
            '<p>Zrzut:</p><img src="cid:shot1@kowalski.pl" alt="zrzut">'
        ),
        files=[
            services.IncomingFile(
                name="shot.png",
                content=PNG,
                content_id="<shot1@kowalski.pl>",
                inline=True,
            )
        ],
    )
    services.add_customer_message(
        ticket,
        author=adam,
        channel=Channel.EMAIL,
        body_html='<p>Logo:</p><img src="HTTPS://tracker.example/q.gif" alt="logo">',
    )
    return ticket


def _messages(ticket):
    return list(ticket.messages.order_by("pk"))


@pytest.mark.django_db
def test_the_desk_shows_no_remote_image_until_the_agent_asks(tomasz, tracked_ticket):
    page = signed_in(tomasz).get(reverse("desk:ticket", args=[tracked_ticket.number]))
    html = page.text
    assert page.status_code == 200
    assert not TRACKER.search(html)
    assert "tracker.example" not in html
    assert html.count("Show images") == 2
    assert "1 remote image in this message is blocked" in html
    # The inline screenshot is ours and keeps showing.
    shot = tracked_ticket.attachments.get()
    assert f'src="{reverse("tickets:attachment", args=[shot.pk])}?inline=1"' in html


@pytest.mark.django_db
def test_show_images_brings_back_that_messages_images_only(tomasz, tracked_ticket):
    first, second = _messages(tracked_ticket)
    client = signed_in(tomasz)
    url = reverse("desk:message_images", args=[tracked_ticket.number, first.pk])

    fragment = client.get(url, headers={"HX-Request": "true"}).text
    assert 'src="https://tracker.example/p.gif"' in fragment
    assert f'id="message-body-{first.pk}"' in fragment
    assert "Show images" not in fragment
    assert "q.gif" not in fragment
    # Without scripts, the link opens the message on a page of its own.
    page = client.get(url).text
    assert 'src="https://tracker.example/p.gif"' in page
    assert "Back to ticket" in page

    # Nothing was recorded: the thread still blocks both messages' images.
    thread = client.get(reverse("desk:ticket_thread", args=[tracked_ticket.number]))
    assert not TRACKER.search(thread.text)
    assert second.pk  # the other message was never part of the answer


@pytest.mark.django_db
def test_show_images_is_for_agents_who_see_the_ticket(
    adam, bara, tomasz, tracked_ticket, open_ticket_for, service_desk
):
    first, _second = _messages(tracked_ticket)
    url = reverse("desk:message_images", args=[tracked_ticket.number, first.pk])
    assert signed_in(adam).get(url).status_code == 404
    other = open_ticket_for(bara, "VPN", team=service_desk)
    elsewhere = reverse("desk:message_images", args=[other.number, first.pk])
    assert signed_in(tomasz).get(elsewhere).status_code == 404
    assert signed_in(tomasz).post(url).status_code == 405


@pytest.mark.django_db
def test_the_portal_never_loads_remote_images(adam, tomasz, tracked_ticket):
    services.add_reply(
        tracked_ticket,
        author=tomasz,
        body_html='<p>Proszę:</p><img src="https://tracker.example/r.gif">',
    )
    page = signed_in(adam).get(reverse("portal:ticket", args=[tracked_ticket.number]))
    assert page.status_code == 200
    assert "Proszę" in page.text
    assert "tracker.example" not in page.text
    shot = tracked_ticket.attachments.get()
    assert reverse("tickets:attachment", args=[shot.pk]) in page.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pl", "Pokaż obrazy"),
        ("cs", "Zobrazit obrázky"),
    ],
)
def test_the_blocked_images_bar_speaks_the_agents_language(
    tomasz, tracked_ticket, language, text
):
    tomasz.language = language
    tomasz.save()
    client = signed_in(tomasz)
    session = client.session
    session["podpora_language"] = language
    session.save()
    html = client.get(reverse("desk:ticket", args=[tracked_ticket.number])).text
    assert html.count(text) == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_asks_the_tracker_nothing_until_show_images_for_one_message(
    page, live_server, tomasz, tracked_ticket
):
    first, second = _messages(tracked_ticket)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    # Never reach the internet: the tracker answers from here, if asked.
    page.route(
        re.compile(r"https?://tracker\.example/.*"),
        lambda route: route.fulfill(status=200, content_type="image/gif", body=GIF),
    )
    # Signed in by the session cookie of a test client: the sign-in form is
    # not what this test is about.
    cookie = signed_in(tomasz).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/desk/tickets/{tracked_ticket.number}/")
    page.wait_for_load_state("networkidle")

    assert not [url for url in asked if "tracker.example" in url]
    screenshot(page, "desk-remote-images-blocked")
    shot = page.locator(f"#message-body-{first.pk} img[alt=zrzut]")
    assert shot.evaluate("img => img.complete && img.naturalWidth > 0")

    page.locator(f"#message-body-{first.pk}").get_by_role(
        "link", name="Show images"
    ).click()
    page.locator(f'#message-body-{first.pk} img[src$="p.gif"]').wait_for(
        state="attached"
    )
    page.wait_for_load_state("networkidle")
    tracker = [url for url in asked if "tracker.example" in url]
    assert tracker == ["https://tracker.example/p.gif"]
    # The other message still hides its image and offers its own button.
    other = page.locator(f"#message-body-{second.pk}")
    assert other.get_by_role("link", name="Show images").is_visible()
    assert other.locator("img[src]").count() == 0
    assert page.url.endswith(f"/desk/tickets/{tracked_ticket.number}/")


@pytest.mark.django_db
def test_the_demo_shows_a_mail_with_blocked_images():
    from django.core.management import call_command

    from podpora.accounts.models import User
    from podpora.tickets.models import Ticket

    call_command("demo", "--tickets", "5", verbosity=0)
    petra = User.objects.get(email="petra@podpora.demo")
    ticket = Ticket.objects.get(subject="Nejde tisk z ERP do PDF")
    html = signed_in(petra).get(reverse("desk:ticket", args=[ticket.number])).text
    assert "2 remote images in this message are blocked" in html
    assert "newsletter.example" not in html
