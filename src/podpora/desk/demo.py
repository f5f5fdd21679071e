"""The desk's part of the demo: a reply Tomasz started and left as a draft,
waiting in his reply box on Anna's scanner ticket."""

from podpora.accounts.models import User
from podpora.desk import drafts
from podpora.desk.models import DraftKind
from podpora.tickets.models import Ticket


def load() -> None:
    tomasz = User.objects.filter(email="tomasz@podpora.demo").first()
    ticket = Ticket.objects.filter(
        subject="Skaner w magazynie nie wysyła plików na e-mail"
    ).first()
    if tomasz is None or ticket is None:
        return
    drafts.save_text(
        tomasz,
        ticket,
        DraftKind.REPLY,
        "Dzień dobry,\nsprawdziłem ustawienia SMTP skanera: ",
        since=None,
    )
