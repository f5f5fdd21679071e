"""Outgoing mail, received by a real SMTP server (aiosmtpd)."""

import pytest

from podpora.accounts.models import User
from podpora.mail import intake, notifications
from podpora.mail.models import MessageReference, OutboundMail, OutboundState
from podpora.tickets import services
from podpora.tickets.models import DeliveryStatus, MessageKind, Status


def _new_mail(sender="Adam Nowak <adam@kowalski.pl>", mid="<n1@kowalski.pl>", extra=""):
    return (
        f"From: {sender}\nTo: support@podpora.test\n{extra}"
        f"Subject: Nie działa VPN\nMessage-ID: {mid}\n\nVPN nie łączy się od rana.\n"
    ).encode()


def _to(server, address):
    return [m for rcpt, m in server.messages if address in rcpt]


def test_a_mailed_request_gets_an_acknowledgement_with_number_and_link(
    smtp_server, support_mailbox, adam, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = intake.receive(support_mailbox, _new_mail())
    ticket = inbound.ticket
    [ack] = _to(smtp_server, "adam@kowalski.pl")
    assert f"[#{ticket.number}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<n1@kowalski.pl>"
    text = ack.get_body(("plain",)).get_content()
    html = ack.get_body(("html",)).get_content()
    assert f"#{ticket.number}" in text
    assert "http" in text
    assert "<a href=" in html
    our_id = ack["Message-ID"].strip("<>")
    assert MessageReference.objects.filter(
        email_message_id=our_id, ticket=ticket
    ).exists()
    # The team's agents hear about the new ticket.
    [notice] = _to(smtp_server, "tomasz@podpora.test")
    assert "New ticket in your team" in notice["Subject"]


def test_the_requester_answering_our_acknowledgement_lands_on_the_same_ticket(
    smtp_server, support_mailbox, adam, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = intake.receive(support_mailbox, _new_mail())
    [ack] = _to(smtp_server, "adam@kowalski.pl")
    answer = (
        "From: adam@kowalski.pl\nTo: support@podpora.test\nSubject: Re: VPN\n"
        f"Message-ID: <n2@kowalski.pl>\nIn-Reply-To: {ack['Message-ID']}\n\n"
        "Dodam, że to na laptopie.\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        second = intake.receive(support_mailbox, answer)
    assert second.ticket_id == first.ticket_id
    # The ticket has a team but no assignee: the team hears the customer replied.
    assert any(
        "customer replied" in m["Subject"]
        for m in _to(smtp_server, "tomasz@podpora.test")
    )


def test_an_agents_reply_goes_to_requester_and_ccs_with_attachments_and_threading(
    smtp_server, support_mailbox, adam, anna, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = intake.receive(
            support_mailbox, _new_mail(extra="Cc: anna@kowalski.pl\n")
        )
    ticket = inbound.ticket
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.add_reply(
            ticket,
            author=tomasz,
            body_text="Proszę zrestartować router.",
            files=[services.IncomingFile("instrukcja.txt", b"1. Wylacz\n2. Wlacz\n")],
        )
    for address in ("adam@kowalski.pl", "anna@kowalski.pl"):
        [mail] = _to(smtp_server, address)
        assert "Auto-Submitted" not in mail
        assert mail["In-Reply-To"] == "<n1@kowalski.pl>"
        assert "<n1@kowalski.pl>" in mail["References"]
        assert "zrestartować router" in mail.get_body(("plain",)).get_content()
        assert [p.get_filename() for p in mail.iter_attachments()] == ["instrukcja.txt"]
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT


def test_an_internal_note_never_reaches_the_customer_but_reaches_who_is_mentioned(
    smtp_server,
    support_mailbox,
    adam,
    tomasz,
    petra,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(
            ticket, author=tomasz, body_text="@petra zobacz logi", mentions=[petra]
        )
    assert _to(smtp_server, "adam@kowalski.pl") == []
    [notice] = _to(smtp_server, "petra@podpora.test")
    assert "zobacz logi" in notice.get_body(("plain",)).get_content()


def test_a_robot_gets_no_acknowledgement(
    smtp_server, support_mailbox, adam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = intake.receive(
            support_mailbox, _new_mail(extra="Auto-Submitted: auto-generated\n")
        )
    assert inbound.message.is_automatic
    assert _to(smtp_server, "adam@kowalski.pl") == []


def test_automatic_mails_to_one_address_are_capped_per_hour(
    smtp_server, support_mailbox, adam, settings, django_capture_on_commit_callbacks
):
    settings.PODPORA_MAIL_AUTO_PER_HOUR = 3
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            intake.receive(support_mailbox, _new_mail(mid=f"<cap{n}@kowalski.pl>"))
    assert len(_to(smtp_server, "adam@kowalski.pl")) == 3
    assert OutboundMail.objects.filter(state=OutboundState.SUPPRESSED).count() == 2


def test_a_status_mail_is_sent_when_the_admin_chose_that_status(
    smtp_server,
    support_mailbox,
    adam,
    tomasz,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.PODPORA_MAIL_STATUS_MAILS = ["resolved"]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, Status.WAITING_CUSTOMER, actor=tomasz)
    assert _to(smtp_server, "adam@kowalski.pl") == []
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, Status.RESOLVED, actor=tomasz)
    # Resolving also sends the satisfaction survey (surveys app): one status mail.
    status_mails = [
        m for m in _to(smtp_server, "adam@kowalski.pl") if "Rozwiązane" in m["Subject"]
    ]  # Adam reads Polish
    assert len(status_mails) == 1


def test_a_polish_requester_gets_polish_mail(
    smtp_server, support_mailbox, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(support_mailbox, _new_mail(sender="anna@kowalski.pl"))
    [ack] = _to(smtp_server, "anna@kowalski.pl")
    assert "Otrzymaliśmy" in ack["Subject"]


def test_names_and_subjects_cannot_inject_headers(
    smtp_server, support_mailbox, adam, tomasz, django_capture_on_commit_callbacks
):
    adam.full_name = "Adam\r\nBcc: victim@example.org"
    adam.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    smtp_server.messages.clear()
    ticket.subject = "Hi\r\nBcc: victim@example.org"
    ticket.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(ticket, author=tomasz, body_text="OK")
    [(rcpts, mail)] = smtp_server.messages
    assert rcpts == ["adam@kowalski.pl"]
    assert mail["Bcc"] is None
    assert "\n" not in mail["Subject"]


@pytest.mark.parametrize(
    "name", ["Łukasz: jan@evil.test,", "Nowak, Adam <x@evil.test>", "Adam: a@b"]
)
def test_a_name_with_address_characters_stays_one_recipient_in_to(
    name, smtp_server, support_mailbox, adam, tomasz, django_capture_on_commit_callbacks
):
    adam.full_name = name
    adam.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(ticket, author=tomasz, body_text="OK")
    [(_rcpts, mail)] = smtp_server.messages
    assert [(a.display_name, a.addr_spec) for a in mail["To"].addresses] == [
        (name, "adam@kowalski.pl")
    ]


def test_a_reply_that_cannot_be_delivered_is_retried_then_marked_and_noted(
    smtp_server, support_mailbox, adam, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    smtp_server.refuse = True
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.add_reply(ticket, author=tomasz, body_text="Odpowiedź")
    outbound = OutboundMail.objects.get(message=reply)
    assert outbound.state == OutboundState.PENDING
    assert outbound.attempts == 1
    assert outbound.next_attempt_at > outbound.created_at  # backoff
    for _ in range(notifications.MAX_ATTEMPTS):
        OutboundMail.objects.filter(pk=outbound.pk).update(
            next_attempt_at=outbound.created_at
        )
        notifications.send(
            outbound.pk
        ) if outbound.pk in notifications.due_for_retry() else None
    outbound.refresh_from_db()
    reply.refresh_from_db()
    assert outbound.state == OutboundState.FAILED
    assert "451" in outbound.last_error
    assert reply.delivery_status == DeliveryStatus.FAILED
    note = ticket.messages.get(kind=MessageKind.SYSTEM)
    assert "could not be delivered" in note.body_text


def test_a_permanent_refusal_is_not_retried(
    smtp_server, support_mailbox, adam, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    smtp_server.unknown.add("adam@kowalski.pl")
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.add_reply(ticket, author=tomasz, body_text="Odpowiedź")
    outbound = OutboundMail.objects.get(message=reply)
    assert outbound.state == OutboundState.FAILED
    assert outbound.attempts == 1
    assert "550" in outbound.last_error
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED


def test_a_refused_copy_leaves_the_reply_delivered_to_its_requester(
    smtp_server, support_mailbox, adam, anna, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    services.update_ticket(ticket, actor=tomasz, cc=[anna])
    smtp_server.unknown.add("anna@kowalski.pl")
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.add_reply(ticket, author=tomasz, body_text="Odpowiedź")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert _to(smtp_server, "adam@kowalski.pl")
    note = ticket.messages.get(kind=MessageKind.SYSTEM)
    assert "anna@kowalski.pl" in note.body_text


def test_automatic_mails_to_one_address_are_capped_per_day(
    smtp_server, support_mailbox, adam, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from podpora.mail.models import AutoMailCounter

    settings.PODPORA_MAIL_AUTO_PER_DAY = 5
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for back in (3, 7, 20):
        AutoMailCounter.objects.create(
            address="adam@kowalski.pl", hour=hour - timedelta(hours=back), count=1
        )
    AutoMailCounter.objects.create(
        address="adam@kowalski.pl", hour=hour - timedelta(hours=30), count=9
    )
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            intake.receive(support_mailbox, _new_mail(mid=f"<day{n}@kowalski.pl>"))
    assert len(_to(smtp_server, "adam@kowalski.pl")) == 2


def test_sending_twice_sends_once(
    smtp_server, support_mailbox, adam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(support_mailbox, _new_mail())
    outbound = OutboundMail.objects.get(recipient="adam@kowalski.pl")
    assert notifications.send(outbound.pk) == "skipped"
    assert len(_to(smtp_server, "adam@kowalski.pl")) == 1


@pytest.mark.parametrize("robot", ["mailer-daemon@kowalski.pl", "noreply@kowalski.pl"])
def test_no_automatic_mail_goes_to_robot_addresses(
    smtp_server, support_mailbox, robot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(support_mailbox, _new_mail(sender=robot))
    assert _to(smtp_server, robot) == []


def test_an_agent_hears_when_a_ticket_is_assigned_to_them_but_not_when_they_take_it(
    smtp_server,
    support_mailbox,
    adam,
    tomasz,
    petra,
    sylwia,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket, petra, actor=sylwia)
    [mail] = _to(smtp_server, "petra@podpora.test")
    assert "Přiděleno vám" in mail["Subject"]  # Petra reads Czech
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket, tomasz, actor=tomasz)
    assert smtp_server.messages == []


def test_watchers_hear_about_customer_replies_and_notes(
    smtp_server,
    support_mailbox,
    adam,
    tomasz,
    sylwia,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    services.set_watching(ticket, sylwia, watching=True)
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(
            support_mailbox,
            _new_mail(mid="<n9@kowalski.pl>", extra="In-Reply-To: <n1@kowalski.pl>\n"),
        )
    assert len(_to(smtp_server, "sylwia@podpora.test")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(ticket, author=tomasz, body_text="Sprawdzam logi.")
    assert len(_to(smtp_server, "sylwia@podpora.test")) == 2
    assert _to(smtp_server, "adam@kowalski.pl") == []


def test_a_colleague_the_customer_copies_on_a_reply_joins_the_ticket_and_gets_answers(
    smtp_server,
    support_mailbox,
    adam,
    org_a,
    tomasz,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    with django_capture_on_commit_callbacks(execute=True):
        reply = intake.receive(
            support_mailbox,
            _new_mail(
                mid="<n2@kowalski.pl>",
                extra="In-Reply-To: <n1@kowalski.pl>\n"
                "Cc: Ewa Lis <ewa@kowalski.pl>, support@podpora.test, "
                "Tomasz <tomasz@podpora.test>\n",
            ),
        )
    assert reply.ticket_id == ticket.pk
    ewa = User.objects.get(email="ewa@kowalski.pl")
    assert ewa.full_name == "Ewa Lis"
    assert ewa.memberships.get().organization == org_a  # her domain's organisation
    # Our own address and the agent are not customers to copy.
    assert list(ticket.cc.all()) == [ewa]
    assert ticket.events.filter(field="cc", actor=adam).exists()

    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reply(ticket, author=tomasz, body_text="Już działa.")
    [mail] = _to(smtp_server, "ewa@kowalski.pl")
    assert "Już działa." in mail.get_body(("plain",)).get_content()


def test_copies_on_an_automatic_reply_do_not_join_the_ticket(
    support_mailbox, adam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.receive(support_mailbox, _new_mail()).ticket
    intake.receive(
        support_mailbox,
        _new_mail(
            mid="<n3@kowalski.pl>",
            extra="In-Reply-To: <n1@kowalski.pl>\nAuto-Submitted: auto-replied\n"
            "Cc: ewa@kowalski.pl\n",
        ),
    )
    assert ticket.messages.count() == 2
    assert not ticket.cc.exists()


def test_agents_are_not_mailed_a_customers_remote_images(
    smtp_server, support_mailbox, adam, tomasz, django_capture_on_commit_callbacks
):
    raw = (
        b"From: Adam Nowak <adam@kowalski.pl>\nTo: support@podpora.test\n"
        b"Subject: Drukarka\nMessage-ID: <px1@kowalski.pl>\n"
        b"Content-Type: text/html; charset=utf-8\n\n"
        b'<p>Nie drukuje.</p><img src="https://tracker.example/p.gif" width="1">'
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(support_mailbox, raw)
    [notice] = _to(smtp_server, "tomasz@podpora.test")
    html = notice.get_body(("html",)).get_content()
    assert "Nie drukuje." in html
    assert "tracker.example" not in html
