import pytest
from django.template import Context, Template
from django.urls import reverse

from podpora.tickets import services
from podpora.tickets.models import Channel

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_inline_cid_images_point_at_the_messages_own_attachment(adam):
    ticket = services.open_ticket(
        subject="Zrzut",
        requester=adam,
        channel=Channel.EMAIL,
        body_html='<p>Błąd:</p><img src="cid:shot1@kowalski.pl"><img src="cid:unknown">',
        files=[
            services.IncomingFile(
                name="shot.png",
                content=PNG,
                content_id="<shot1@kowalski.pl>",
                inline=True,
            )
        ],
    )
    message = ticket.messages.get()
    html = Template("{% load tickets_html %}{{ m|message_html }}").render(
        Context({"m": message})
    )
    image = ticket.attachments.get()
    assert f'src="{reverse("tickets:attachment", args=[image.pk])}?inline=1"' in html
    assert (
        "cid:" not in html
    )  # an unknown cid becomes an empty source, not a request elsewhere
