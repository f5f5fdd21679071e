"""The demo's macros: shared ones in Polish and English, and a personal one
each for Tomasz (Polish) and Petra (Czech)."""

from typing import Any

from podpora.accounts.models import Team, User
from podpora.macros.models import Macro
from podpora.tickets.models import Priority, Status

SHARED: list[dict[str, Any]] = [
    {
        "title": "Drukarka: poproś o model i komunikat błędu",
        "reply": (
            "Dzień dobry {{ requester_name }},\n\n"
            "aby pomóc z drukarką, prosimy o podanie jej modelu (naklejka z "
            "przodu lub z tyłu) oraz dokładnej treści komunikatu błędu, "
            "najlepiej ze zdjęciem wyświetlacza.\n\n"
            "Pozdrawiamy,\n{{ agent_name }}"
        ),
        "status": Status.WAITING_CUSTOMER,
        "tags": ["drukarka"],
    },
    {
        "title": "Printer: ask for model and error",
        "reply": (
            "Hello {{ requester_name }},\n\n"
            "to help with the printer, please tell us its model (on the label "
            "at the front or back) and the exact error message, ideally with "
            "a photo of its display.\n\n"
            "Kind regards,\n{{ agent_name }}"
        ),
        "status": Status.WAITING_CUSTOMER,
        "tags": ["printer"],
    },
    {
        "title": "Zamknij jako duplikat",
        "reply": (
            "Dzień dobry {{ requester_name }},\n\n"
            "to samo zgłosił już ktoś z Państwa firmy i zajmujemy się tym w "
            "innym zgłoszeniu; to zgłoszenie ({{ ticket_number }}) zamykamy, "
            "o postępach poinformujemy.\n\n{{ agent_name }}"
        ),
        "status": Status.CLOSED,
        "tags": ["duplikat"],
    },
    {
        "title": "Close as duplicate",
        "reply": (
            "Hello {{ requester_name }},\n\n"
            "someone from your company already reported this and we are "
            "working on it in another ticket, so we close this one "
            "({{ ticket_number }}); we will keep you posted.\n\n{{ agent_name }}"
        ),
        "status": Status.CLOSED,
        "tags": ["duplicate"],
    },
    {
        "title": "Eskaluj do infrastruktury",
        "note": "Przekazuję do infrastruktury: problem z siecią lub serwerem, "
        "poza zasięgiem pierwszej linii.",
        "team": "Infrastruktura",
        "priority": Priority.HIGH,
        "tags": ["eskalacja"],
    },
    {
        "title": "Escalate to infrastructure",
        "note": "Handing over to infrastructure: network or server problem, "
        "beyond the first line.",
        "team": "Infrastruktura",
        "priority": Priority.HIGH,
        "tags": ["escalated"],
    },
]

PERSONAL: list[tuple[str, dict[str, Any]]] = [
    (
        "tomasz@podpora.demo",
        {
            "title": "Reset hasła: instrukcja",
            "reply": (
                "Dzień dobry {{ requester_name }},\n\n"
                "hasło zresetowałem; tymczasowe hasło przekażę telefonicznie. "
                "Przy pierwszym logowaniu system poprosi o nowe.\n\n"
                "{{ agent_name }}"
            ),
            "note": "Hasło zresetowane w AD, tożsamość potwierdzona telefonicznie.",
            "status": Status.RESOLVED,
            "tags": ["hasło"],
        },
    ),
    (
        "petra@podpora.demo",
        {
            "title": "VPN: postup pro obnovení připojení",
            "reply": (
                "Dobrý den {{ requester_name }},\n\n"
                "zkuste prosím odpojit a znovu připojit VPN, případně "
                "restartovat počítač. Pokud potíže trvají, pošlete nám snímek "
                "chybové hlášky.\n\n{{ agent_name }}"
            ),
            "status": Status.WAITING_CUSTOMER,
            "tags": ["vpn"],
        },
    ),
]


def install() -> int:
    """Add the demo macros that are missing (by title and owner); returns
    how many were added."""
    added = 0
    rows = [(None, fields) for fields in SHARED] + list(PERSONAL)
    owners = {
        u.email: u for u in User.objects.filter(email__in=[e for e, _ in PERSONAL])
    }
    for email, fields in rows:
        owner = owners.get(email) if email else None
        if email and owner is None:
            continue
        values = dict(fields)
        team_name = values.pop("team", None)
        if team_name:
            values["team"] = Team.objects.filter(name=team_name).first()
        _macro, created = Macro.objects.get_or_create(
            title=values.pop("title"), owner=owner, defaults=values
        )
        added += created
    return added
