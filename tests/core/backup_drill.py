"""Run inside a throwaway install (its own DATABASE_URL and PODPORA_DATA_DIR)
by tests/core/test_backup.py: ``python -m tests.core.backup_drill ACTION …``.
Prints the actions' results as one JSON list."""

import hashlib
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")

import django

django.setup()

from django.test import Client  # noqa: E402

from podpora.accounts.models import AgentRole, User  # noqa: E402
from podpora.tickets import services  # noqa: E402
from podpora.tickets.attachments import IncomingFile  # noqa: E402
from podpora.tickets.models import Attachment, Channel, Ticket  # noqa: E402

ADMIN = "alicja@podpora.test"
CUSTOMER = "anna@kowalski.pl"


def _people() -> tuple[User, User]:
    admin = User.objects.filter(email=ADMIN).first() or User.objects.create_user(
        email=ADMIN,
        password="correct-horse-battery-staple",
        full_name="Alicja Admin",
        agent_role=AgentRole.ADMIN,
        is_superuser=True,
    )
    anna = User.objects.filter(email=CUSTOMER).first() or User.objects.create_user(
        email=CUSTOMER, password="correct-horse-battery-staple", full_name="Anna"
    )
    return admin, anna


def open_tickets(count: int, label: str) -> list[int]:
    """Tickets whose numbers would be mailed to the requester, each with a file."""
    _admin, anna = _people()
    numbers = []
    for i in range(count):
        ticket = services.open_ticket(
            subject=f"{label} {i}: drukarka",
            requester=anna,
            channel=Channel.PORTAL,
            body_text="Od rana drukarka pokazuje błąd.",
            files=[IncomingFile(f"{label}-{i}.txt", f"{label} {i} log\n".encode())],
        )
        numbers.append(ticket.number)
    return numbers


def state() -> dict[str, object]:
    files = {}
    for attachment in Attachment.objects.order_by("pk"):
        try:
            with attachment.file.open("rb") as file:
                digest = hashlib.sha256(file.read()).hexdigest()
        except FileNotFoundError:
            digest = "missing"
        files[attachment.file.name] = digest
    return {
        "tickets": dict(
            Ticket.objects.order_by("number").values_list("number", "subject")
        ),
        "files": files,
        "people": User.objects.count(),
    }


def page(number: int) -> dict[str, object]:
    admin, _anna = _people()
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    response = client.get(f"/desk/tickets/{number}/")
    subject = Ticket.objects.get(number=number).subject
    return {"status": response.status_code, "shows_subject": subject in response.text}


def mark() -> int:
    from podpora.core.backup.marks import read_mark
    from podpora.core.jobs import record_ticket_numbers

    record_ticket_numbers.call()
    return read_mark() or 0


if __name__ == "__main__":
    # Several actions in one process (each start-up costs seconds):
    # open COUNT LABEL | state | page NUMBER | mark
    words = sys.argv[1:]
    results: list[object] = []
    while words:
        action = words.pop(0)
        if action == "open":
            results.append(open_tickets(int(words.pop(0)), words.pop(0)))
        elif action == "state":
            results.append(state())
        elif action == "page":
            results.append(page(int(words.pop(0))))
        elif action == "mark":
            results.append(mark())
        else:
            raise SystemExit(f"unknown action {action}")
    print(json.dumps(results))
