"""The portal's part of the demo: Piotr's ticket (opened by mail) has a
follow link for him and one for a colleague he copied, whose link Tomasz
revoked; and a public-form request still waits for its sender to confirm."""

from datetime import timedelta

from django.utils import timezone

from podpora.accounts.models import User
from podpora.accounts.services import get_or_create_customer
from podpora.portal import links
from podpora.portal.models import FollowLink, PendingRequest
from podpora.tickets.models import Ticket


def load() -> None:
    tomasz = User.objects.filter(email="tomasz@podpora.demo").first()
    ticket = Ticket.objects.filter(
        subject="Prośba o dostęp do folderu Przetargi"
    ).first()
    if tomasz is None or ticket is None:
        return
    colleague, _created = get_or_create_customer(
        "marta.wrobel@kowalski-logistyka.pl", full_name="Marta Wróbel", language="pl"
    )
    ticket.cc.add(colleague)
    links.live_link(ticket, ticket.requester)
    if not FollowLink.objects.filter(ticket=ticket, recipient=colleague).exists():
        links.revoke(links.live_link(ticket, colleague), by=tomasz)
    if not PendingRequest.objects.exists():
        PendingRequest.objects.create(
            key_hash="demo-never-mailed",
            email="nowy.klient@example.org",
            full_name="Nowy Klient",
            subject="Nie działa drukarka w recepcji",
            description="Drukarka w recepcji nie drukuje od rana.",
            language="pl",
            created_at=timezone.now() - timedelta(minutes=20),
        )
