"""The automation app's part of the demo (``podpora demo``): the first line
assigns new tickets by round robin, and today's Wi-Fi outage is escalated to
the second line, whose agents and lead are told by mail in their language."""

from contextlib import suppress

from podpora.accounts.models import Team, Tier, User
from podpora.automation.models import AssignmentMode, TeamSettings
from podpora.tickets import services
from podpora.tickets.errors import TicketError
from podpora.tickets.models import OPEN_STATUSES, Ticket

FIRST_LINE = "Service Desk"
SECOND_LINE = "Infrastruktura"
ESCALATING_AGENT = "tomasz@podpora.demo"
ESCALATED_SUBJECT = "Výpadek Wi-Fi ve výrobní hale"
HAND_OVER = (
    "Wi-Fi ve výrobní hale nejde od 9:00, restart AP nepomohl. "
    "Prosím o kontrolu kontroléru a switche v hale."
)


def load() -> None:
    first_line = Team.objects.filter(name=FIRST_LINE).first()
    if first_line is not None:
        TeamSettings.objects.get_or_create(
            team=first_line, defaults={"assignment": AssignmentMode.ROUND_ROBIN}
        )
    agent = User.objects.filter(email=ESCALATING_AGENT).first()
    second_line = Team.objects.filter(name=SECOND_LINE).first()
    outage = (
        Ticket.objects.filter(
            subject=ESCALATED_SUBJECT, tier=Tier.FIRST, status__in=OPEN_STATUSES
        )
        .order_by("-pk")
        .first()
    )
    if agent is None or second_line is None or outage is None:
        return
    # E.g. the demo's agent lost the right to escalate: no showcase then.
    with suppress(TicketError):
        services.escalate(outage, actor=agent, note=HAND_OVER, team=second_line)
