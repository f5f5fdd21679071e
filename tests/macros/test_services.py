import pytest

from podpora.macros import services
from podpora.macros.models import Macro
from podpora.tickets import services as tickets
from podpora.tickets.errors import Conflict, InvalidInput, NotAllowed
from podpora.tickets.models import MessageKind, Priority, Status

pytestmark = pytest.mark.django_db


def test_a_macro_replies_notes_and_sets_the_fields_in_the_history(
    tomasz, printer_ticket, ask_for_model
):
    tickets.update_ticket(printer_ticket, actor=tomasz, tags=["hardware"])
    ticket = services.apply_macro(ask_for_model, printer_ticket, actor=tomasz)

    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.author == tomasz
    assert reply.body_text == (
        f"Dzień dobry Adam Nowak, prosimy o model drukarki i treść błędu "
        f"({ticket.reference}). Tomasz Wiśniewski"
    )
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert note.body_text == f"Asked {ticket.requester.email} for details."
    assert ticket.status == Status.WAITING_CUSTOMER
    assert ticket.priority == Priority.HIGH
    assert sorted(ticket.tags.values_list("name", flat=True)) == [
        "hardware",
        "needs-info",
        "printer",
    ]
    by_macro = ticket.events.filter(via__contains="macro:Printer")
    assert {(e.field, e.actor_id) for e in by_macro} == {
        ("reply", tomasz.pk),
        ("status", tomasz.pk),
        ("note", tomasz.pk),
        ("priority", tomasz.pk),
        ("tags", tomasz.pk),
    }


def test_a_macro_without_a_reply_sets_the_status_alone(tomasz, printer_ticket):
    close = Macro.objects.create(title="Close as duplicate", status=Status.CLOSED)
    ticket = services.apply_macro(close, printer_ticket, actor=tomasz)
    assert ticket.status == Status.CLOSED
    assert not ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_a_macro_moves_the_ticket_to_its_team(tomasz, printer_ticket, infrastructure):
    escalate = Macro.objects.create(
        title="Escalate to infrastructure", team=infrastructure, note="VPN down"
    )
    ticket = services.apply_macro(escalate, printer_ticket, actor=tomasz)
    assert ticket.team == infrastructure


def test_nothing_is_applied_when_one_step_fails(tomasz, printer_ticket, infrastructure):
    broken = Macro.objects.create(
        title="Old team", reply="We are on it.", team=infrastructure
    )
    infrastructure.is_active = False
    infrastructure.save()
    with pytest.raises(InvalidInput):
        services.apply_macro(broken, printer_ticket, actor=tomasz)
    assert not printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_nothing_is_applied_when_the_ticket_changed_since_the_page_was_read(
    tomasz, sylwia, printer_ticket, ask_for_model
):
    seen = printer_ticket.version
    tickets.update_ticket(printer_ticket, actor=sylwia, priority=Priority.URGENT)
    with pytest.raises(Conflict):
        services.apply_macro(
            ask_for_model, printer_ticket, actor=tomasz, expected_version=seen
        )
    assert not printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_a_note_only_macro_also_checks_the_version_the_page_read(
    tomasz, sylwia, printer_ticket
):
    handover = Macro.objects.create(title="Hand-over", note="Checked the cable.")
    seen = printer_ticket.version
    tickets.update_ticket(printer_ticket, actor=sylwia, priority=Priority.URGENT)
    with pytest.raises(Conflict):
        services.apply_macro(
            handover, printer_ticket, actor=tomasz, expected_version=seen
        )
    assert not printer_ticket.messages.filter(kind=MessageKind.NOTE).exists()


def test_someone_elses_personal_macro_cannot_be_applied(tomasz, petra, printer_ticket):
    mine = Macro.objects.create(title="Petra's", note="x", owner=petra)
    with pytest.raises(NotAllowed):
        services.apply_macro(mine, printer_ticket, actor=tomasz)


def test_a_macro_cannot_touch_a_ticket_the_agent_does_not_see(
    petra, printer_ticket, ask_for_model
):
    with pytest.raises(NotAllowed):
        services.apply_macro(ask_for_model, printer_ticket, actor=petra)
    assert not printer_ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_only_supervisors_share_macros_and_an_empty_macro_is_refused(tomasz, sylwia):
    with pytest.raises(NotAllowed):
        services.save_macro(tomasz, Macro(title="Hi", note="x"), shared=True)
    shared = services.save_macro(sylwia, Macro(title="Hi", note="x"), shared=True)
    assert shared.is_shared
    with pytest.raises(NotAllowed):
        services.save_macro(tomasz, shared, shared=False)
    with pytest.raises(InvalidInput):
        services.save_macro(tomasz, Macro(title="Nothing"), shared=False)


def test_tags_are_kept_as_the_ticket_keeps_them(tomasz):
    macro = services.save_macro(
        tomasz,
        Macro(title="T", tags=[" Printer ", "printer", "Needs  info"]),
        shared=False,
    )
    assert macro.tags == ["printer", "needs info"]


def test_the_demo_has_shared_and_personal_macros_in_polish_and_english():
    from podpora.core import demo

    demo.load(tickets=0)
    shared = set(Macro.objects.filter(owner=None).values_list("title", flat=True))
    assert {"Printer: ask for model and error", "Zamknij jako duplikat"} <= shared
    escalate = Macro.objects.get(title="Escalate to infrastructure")
    assert escalate.team.name == "Infrastruktura"
    tomasz_own = Macro.objects.get(owner__email="tomasz@podpora.demo")
    assert tomasz_own.title == "Reset hasła: instrukcja"
    demo.load(tickets=0)
    assert Macro.objects.count() == len(shared) + 2
