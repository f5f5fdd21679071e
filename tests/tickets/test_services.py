import pytest

from podpora.tickets import services
from podpora.tickets.errors import (
    AttachmentRejected,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
)
from podpora.tickets.models import (
    Channel,
    EventKind,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db


def test_opening_a_ticket_gives_it_a_number_a_first_message_and_history(
    adam, org_a, open_ticket_for
):
    ticket = open_ticket_for(
        adam, "Nie działa VPN", body_text="Od rana brak połączenia."
    )

    assert ticket.number >= 10001
    assert ticket.reference == f"#{ticket.number}"
    assert ticket.status == Status.NEW
    assert ticket.organization == org_a
    [message] = ticket.messages.all()
    assert message.kind == MessageKind.CUSTOMER
    assert message.body_text == "Od rana brak połączenia."
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.CREATED]


def test_ticket_numbers_increase_and_never_repeat(adam, open_ticket_for):
    numbers = [open_ticket_for(adam, f"Sprawa {i}").number for i in range(5)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 5


def test_bad_input_is_a_clear_domain_error(adam):
    with pytest.raises(InvalidInput, match="subject"):
        services.open_ticket(
            subject="   ", requester=adam, channel=Channel.PORTAL, body_text="x"
        )
    with pytest.raises(InvalidInput, match="channel"):
        services.open_ticket(
            subject="S", requester=adam, channel="pigeon", body_text="x"
        )
    assert Ticket.objects.count() == 0


def test_html_body_is_sanitised_and_text_derived(adam):
    ticket = services.open_ticket(
        subject="Faktura",
        requester=adam,
        channel=Channel.EMAIL,
        body_html='<p onclick="steal()">Dzień dobry<script>alert(1)</script></p><p>Faktura w załączniku</p>',
    )
    message = ticket.messages.get()
    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert message.body_text == "Dzień dobry\n\nFaktura w załączniku"


def test_first_public_reply_sets_first_response_and_opens_ticket(
    adam, tomasz, open_ticket_for
):
    ticket = open_ticket_for(adam)
    services.add_reply(ticket, author=tomasz, body_text="Sprawdzam.")
    ticket.refresh_from_db()
    first = ticket.first_response_at
    assert first is not None
    assert ticket.status == Status.OPEN

    services.add_reply(
        ticket,
        author=tomasz,
        body_text="Proszę zrestartować.",
        status=Status.WAITING_CUSTOMER,
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == first
    assert ticket.status == Status.WAITING_CUSTOMER


def test_customer_reply_reopens_a_resolved_ticket(adam, tomasz, open_ticket_for):
    ticket = open_ticket_for(adam)
    services.add_reply(
        ticket, author=tomasz, body_text="Naprawione.", status=Status.RESOLVED
    )
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None

    services.add_customer_message(ticket, author=adam, body_text="Znowu nie działa!")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolved_at is None
    assert ticket.events.filter(kind=EventKind.REOPENED).count() == 1


def test_automatic_customer_mail_does_not_reopen(adam, tomasz, open_ticket_for):
    ticket = open_ticket_for(adam)
    services.add_reply(
        ticket, author=tomasz, body_text="Naprawione.", status=Status.RESOLVED
    )
    services.add_customer_message(
        ticket, author=adam, body_text="Jestem na urlopie", is_automatic=True
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_closed_ticket_takes_no_more_replies(adam, tomasz, open_ticket_for):
    ticket = open_ticket_for(adam)
    services.close_ticket(ticket, actor=tomasz)
    with pytest.raises(InvalidTransition):
        services.add_customer_message(ticket, author=adam, body_text="Jeszcze jedno")
    with pytest.raises(InvalidTransition):
        services.change_status(ticket, Status.OPEN, actor=tomasz)


def test_each_field_change_is_an_event_with_old_and_new(
    adam, tomasz, petra, infrastructure, open_ticket_for
):
    ticket = open_ticket_for(adam)
    services.update_ticket(
        ticket,
        actor=tomasz,
        priority=Priority.URGENT,
        team=infrastructure,
        assignee=petra,
        tags=["VPN", "siec"],
    )
    changes = {
        e.field: (e.old_value, e.new_value)
        for e in TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FIELD)
    }
    assert changes["priority"] == (
        str(Priority.NORMAL.value),
        str(Priority.URGENT.value),
    )
    assert changes["team"] == ("", str(infrastructure.pk))
    assert changes["assignee"] == ("", str(petra.pk))
    assert changes["tags"] == ("", "siec, vpn")
    ticket.refresh_from_db()
    assert ticket.version == 2


def test_history_is_append_only(adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    event = ticket.events.get()
    event.new_value = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(ticket=ticket).update(new_value="tampered")


def test_stale_version_is_refused_instead_of_overwriting(adam, tomasz, open_ticket_for):
    ticket = open_ticket_for(adam)
    seen = ticket.version
    services.update_ticket(ticket, actor=tomasz, priority=Priority.HIGH)
    with pytest.raises(Conflict):
        services.update_ticket(
            ticket, actor=tomasz, priority=Priority.LOW, expected_version=seen
        )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH


def test_customers_cannot_use_agent_actions(adam, bara, open_ticket_for):
    ticket = open_ticket_for(adam)
    with pytest.raises(NotAllowed):
        services.add_reply(ticket, author=adam, body_text="Sam sobie odpowiem")
    with pytest.raises(NotAllowed):
        services.update_ticket(ticket, actor=adam, priority=Priority.URGENT)
    with pytest.raises(NotAllowed):
        services.add_note(ticket, author=bara, body_text="psst")


def test_customer_can_mark_resolved_and_reopen(adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    services.customer_set_status(ticket, customer=adam, status=Status.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    services.customer_set_status(ticket, customer=adam, status=Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    with pytest.raises(NotAllowed):
        services.customer_set_status(ticket, customer=adam, status=Status.CLOSED)


def test_escalation_needs_a_note_and_moves_to_the_next_tier_team(
    adam, tomasz, infrastructure, service_desk, open_ticket_for
):
    ticket = open_ticket_for(adam, team=service_desk)
    services.assign(ticket, tomasz, actor=tomasz)
    with pytest.raises(InvalidInput):
        services.escalate(ticket, actor=tomasz, note="  ")

    services.escalate(
        ticket, actor=tomasz, note="Problem z routerem w serwerowni, potrzebny dostęp."
    )
    ticket.refresh_from_db()
    assert ticket.tier == 2
    assert ticket.team == infrastructure
    assert ticket.assignee is None  # Tomasz is not in the 2nd-line team
    escalation = ticket.events.get(kind=EventKind.ESCALATED)
    assert (escalation.old_value, escalation.new_value) == ("1", "2")
    assert escalation.message.kind == MessageKind.NOTE
    assert "routerem" in escalation.message.body_text


def test_merge_moves_the_thread_and_closes_the_merged_ticket(
    adam, anna, tomasz, open_ticket_for
):
    target = open_ticket_for(anna, "Brak internetu w biurze")
    source = open_ticket_for(adam, "Internet nie działa")
    services.add_reply(source, author=tomasz, body_text="Sprawdzamy.")

    services.merge_tickets(source, target, actor=tomasz)
    source.refresh_from_db()
    assert source.merged_into == target
    assert source.status == Status.CLOSED
    assert target.messages.count() == 3
    assert source.messages.count() == 0
    assert adam in target.cc.all()
    with pytest.raises(InvalidInput):
        services.merge_tickets(target, target, actor=tomasz)


def test_split_message_into_a_new_ticket(adam, tomasz, open_ticket_for):
    ticket = open_ticket_for(adam, "Drukarka")
    second = services.add_customer_message(
        ticket, author=adam, body_text="A przy okazji: nowy laptop dla Ewy"
    )
    new = services.split_message(second, actor=tomasz, subject="Nowy laptop dla Ewy")
    assert new.messages.get() == second
    assert ticket.messages.count() == 1
    assert new.links_in.get().source == ticket


def test_attachments_are_stored_under_our_key_with_hash_and_sniffed_type(adam):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    ticket = services.open_ticket(
        subject="Zrzut ekranu",
        requester=adam,
        channel=Channel.PORTAL,
        body_text="W załączniku",
        files=[
            services.IncomingFile(
                name="../../etc/ekran.png", content=png, declared_type="text/html"
            ),
            services.IncomingFile(
                name="atak.html", content=b"<script>alert(1)</script>"
            ),
        ],
    )
    image, page = ticket.attachments.order_by("pk")
    assert image.original_name == "ekran.png"
    assert image.content_type == "image/png"
    assert "ekran" not in image.file.name
    assert ".." not in image.file.name
    assert len(image.sha256) == 64
    assert page.content_type == "application/octet-stream"


def test_oversized_attachment_is_refused_and_nothing_is_half_saved(adam, settings):
    settings.PODPORA_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(AttachmentRejected):
        services.open_ticket(
            subject="Duży plik",
            requester=adam,
            channel=Channel.PORTAL,
            body_text="x",
            files=[services.IncomingFile(name="big.bin", content=b"x" * 11)],
        )
    assert Ticket.objects.count() == 0


def test_hooks_receive_every_change_inside_the_transaction(
    adam, tomasz, settings, open_ticket_for
):
    settings.PODPORA_TICKET_HOOKS = ["tests.tickets.test_services.record_change"]
    RECORDED.clear()
    ticket = open_ticket_for(adam)
    services.add_reply(ticket, author=tomasz, body_text="OK")
    seen = [(c.action, c.depth) for c in RECORDED]
    assert seen == [("opened", 0), ("reply", 0)]


RECORDED: list = []


def record_change(change) -> None:
    RECORDED.append(change)


def test_a_failed_delivery_stays_visible_when_another_recipient_succeeds(
    adam, tomasz, open_ticket_for
):
    from podpora.tickets.models import DeliveryStatus

    ticket = open_ticket_for(adam)
    reply = services.add_reply(ticket, author=tomasz, body_text="Odpowiedź")
    services.set_delivery_status(reply, DeliveryStatus.PENDING)
    services.set_delivery_status(reply, DeliveryStatus.FAILED)
    services.set_delivery_status(reply, DeliveryStatus.SENT)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    with pytest.raises(InvalidInput):
        services.set_delivery_status(reply, "lost")


def test_opening_a_ticket_costs_a_fixed_handful_of_queries_with_every_app_hooked(
    adam, open_ticket_for, django_assert_max_num_queries
):
    """Each app reacts to a new ticket (rules, SLA clocks, search, reports,
    webhooks, mail), yet the configuration they read stays in memory and the
    index and figures are written once: a mailed or API ticket stays cheap."""
    from podpora.automation.data import install_defaults
    from podpora.automation.models import Rule, TicketSla
    from podpora.reports.models import TicketFact
    from podpora.search.models import SearchDocument

    install_defaults()
    assert Rule.objects.filter(is_active=True).exists()
    open_ticket_for(adam, "Pierwsze zgłoszenie")  # configuration loaded once

    # Opened, routed by the shipped invoice rule (a savepoint per rule), clocks
    # started, indexed (the thread, files and tags read back: three queries,
    # the price of not seeding Django's prefetch cache by hand), counted for
    # reports and for the desk's sidebar.
    with django_assert_max_num_queries(27):
        ticket = open_ticket_for(adam, "Faktura nie dotarła")

    ticket.refresh_from_db()
    assert ticket.team is not None  # the shipped invoice rule routed it
    assert TicketSla.objects.get(ticket=ticket).resolution_due_at is not None
    assert "faktura" in SearchDocument.objects.get(ticket=ticket).title.lower()
    assert TicketFact.objects.filter(ticket=ticket).exists()
