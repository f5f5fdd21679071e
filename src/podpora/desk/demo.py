"""The desk's part of the demo: a reply Tomasz started and left as a draft
(waiting in his reply box on Anna's scanner ticket), and a personal and a
shared saved view."""

from podpora.accounts.models import Team, User
from podpora.desk import drafts
from podpora.desk.models import DraftKind, SavedView
from podpora.desk.saved_views import create_view
from podpora.search.filters import parse
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


def add_saved_views() -> None:
    """Tomasz keeps his urgent and high tickets; the Service Desk shares its
    breached ones. Loading the demo again adds no second copy."""
    tomasz = User.objects.filter(email="tomasz@podpora.demo").first()
    if tomasz is None:
        return
    team = Team.objects.filter(agents=tomasz, is_active=True).order_by("tier").first()
    wanted = [
        (
            "Moje pilne",
            "assignee=me&priority=3&priority=4&status=new&status=open",
            None,
        ),
        ("Po terminie SLA", "breached=1&status=new&status=open", team),
    ]
    for name, query, shared_with in wanted:
        if not SavedView.objects.filter(owner=tomasz, name=name).exists():
            create_view(
                tomasz,
                name=name,
                filters=parse(query),
                sort="-priority",
                team=shared_with,
            )
