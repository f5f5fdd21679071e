import pytest

from podpora.macros.models import Macro
from podpora.tickets.models import Priority, Status
from tests.desk.conftest import (  # noqa: F401 -- the desk's fixtures, shared
    printer_ticket,
    signed_in,
    sylwia_client,
    tomasz_client,
    vpn_ticket,
)


@pytest.fixture
def ask_for_model(db, infrastructure) -> Macro:
    """A shared macro that answers, notes and sets every field."""
    return Macro.objects.create(
        title="Printer: ask for model and error",
        reply=(
            "Dzień dobry {{ requester_name }}, prosimy o model drukarki "
            "i treść błędu ({{ ticket_number }}). {{ agent_name }}"
        ),
        note="Asked {{ requester_email }} for details.",
        status=Status.WAITING_CUSTOMER,
        priority=Priority.HIGH,
        tags=["printer", "needs-info"],
    )
