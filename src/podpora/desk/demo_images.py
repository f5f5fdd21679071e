"""The demo's mail with remote images: Jan Dvořák's follow-up carries a
mailing tool's tracking pixel and a remote logo, so the desk shows them
blocked with "Show images" (``.example`` hosts: nothing is ever fetched)."""

from podpora.accounts.models import User
from podpora.tickets import services
from podpora.tickets.models import Channel, Ticket

BODY = (
    "<p>Dobrý den,</p><p>posílám doplnění: tisk do PDF padá jen u faktur "
    "s&nbsp;více než 20 položkami.</p>"
    '<p>S pozdravem<br>Jan Dvořák<br><img src="https://cdn.example/strojirny-logo.png"'
    ' alt="Strojírny Brno" width="120" height="40"></p>'
    '<img src="https://newsletter.example/open.gif?u=jan.dvorak" width="1" height="1"'
    ' alt="">'
)


def load() -> None:
    jan = User.objects.filter(email="jan.dvorak@strojirny-brno.cz").first()
    ticket = Ticket.objects.filter(subject="Nejde tisk z ERP do PDF").first()
    if jan is None or ticket is None:
        return
    services.add_customer_message(
        ticket, author=jan, channel=Channel.EMAIL, body_html=BODY
    )
