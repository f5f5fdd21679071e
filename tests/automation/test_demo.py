"""The automation app's part of the demo."""

import pytest

from podpora.automation.models import AssignmentMode, TeamSettings
from podpora.core import demo
from podpora.mail.models import OutboundMail
from podpora.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_escalates_the_outage_and_tells_the_second_line():
    demo.load(tickets=0)
    outage = Ticket.objects.get(subject="Výpadek Wi-Fi ve výrobní hale")
    assert outage.tier == 2
    assert outage.team.name == "Infrastruktura"
    told = set(
        OutboundMail.objects.filter(ticket=outage, kind="agent_escalated").values_list(
            "recipient", flat=True
        )
    )
    assert "petra@podpora.demo" in told  # the lead of Infrastruktura
    assert "tomasz@podpora.demo" not in told  # who escalated it
    assert (
        TeamSettings.objects.get(team__name="Service Desk").assignment
        == AssignmentMode.ROUND_ROBIN
    )
