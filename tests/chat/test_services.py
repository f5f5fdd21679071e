import pytest

from podpora.accounts.models import User
from podpora.chat import services
from podpora.chat.models import ChatSession, Sender, SessionStatus
from podpora.tickets.models import Channel, MessageKind

pytestmark = pytest.mark.django_db


def test_chat_is_open_only_while_an_agent_of_the_team_is_available(
    widget, tomasz, petra
):
    tomasz.availability = "away"
    tomasz.save()
    assert services.is_open(widget) is False  # Petra is available but not in the team
    tomasz.availability = "available"
    tomasz.save()
    assert services.is_open(widget) is True
    tomasz.on_leave = True
    tomasz.save()
    assert services.is_open(widget) is False


def test_a_new_visitor_becomes_a_customer_of_their_domains_organisation(widget, org_a):
    session = services.start_session(widget, name="Ewa Nowak", email="ewa@kowalski.pl")
    assert session.status == SessionStatus.WAITING
    assert session.visitor.email == "ewa@kowalski.pl"
    assert session.visitor.memberships.get().organization == org_a


def test_only_one_agent_can_accept_a_waiting_chat(widget, tomasz, sylwia):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    services.accept(session, tomasz)
    with pytest.raises(services.ChatError) as error:
        services.accept(session, sylwia)
    assert error.value.code == "taken"
    session.refresh_from_db()
    assert session.agent == tomasz


def test_an_agent_cannot_take_another_teams_chat(infra_widget, tomasz, petra):
    session = services.start_session(infra_widget, name="Jan", email="jan@kowalski.pl")
    with pytest.raises(services.ChatError) as error:
        services.accept(session, tomasz)
    assert error.value.code == "not_allowed"
    session.refresh_from_db()
    assert (session.status, session.agent) == (SessionStatus.WAITING, None)
    assert services.accept(session, petra).agent == petra


def test_messages_are_plain_text_and_size_limited(widget, tomasz):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    message = services.post_message(
        session,
        sender=Sender.VISITOR,
        author=None,
        body="  <b>Dzień dobry</b>\x00\x07  ",
    )
    assert message.body == "<b>Dzień dobry</b>"  # stored as typed, escaped when shown
    with pytest.raises(services.ChatError):
        services.post_message(
            session, sender=Sender.VISITOR, author=None, body="x" * 4001
        )
    with pytest.raises(services.ChatError):
        services.post_message(session, sender=Sender.VISITOR, author=None, body="   ")


def test_an_agent_writes_only_in_a_chat_they_accepted(widget, tomasz, petra):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    with pytest.raises(services.ChatError):
        services.post_message(session, sender=Sender.AGENT, author=tomasz, body="Hej")
    services.accept(session, tomasz)
    services.post_message(
        session, sender=Sender.AGENT, author=tomasz, body="Dzień dobry!"
    )
    with pytest.raises(services.ChatError):
        services.post_message(
            session, sender=Sender.AGENT, author=petra, body="Też tu jestem"
        )


def test_reconnecting_client_gets_what_it_missed(widget, tomasz):
    session = services.start_session(widget, name="Ewa", email="ewa@kowalski.pl")
    first = services.post_message(
        session, sender=Sender.VISITOR, author=None, body="Pierwsza"
    )
    services.accept(session, tomasz)
    services.post_message(session, sender=Sender.AGENT, author=tomasz, body="Odpowiedź")
    missed = services.messages_after(session, first.pk)
    assert [m["body"] for m in missed][-1] == "Odpowiedź"
    assert all(m["id"] > first.pk for m in missed)


def test_converting_a_chat_gives_a_ticket_with_the_whole_transcript(widget, tomasz):
    session = services.start_session(widget, name="Ewa Nowak", email="ewa@kowalski.pl")
    services.post_message(
        session, sender=Sender.VISITOR, author=None, body="Nie działa drukarka"
    )
    services.accept(session, tomasz)
    services.post_message(
        session, sender=Sender.AGENT, author=tomasz, body="Jaki model?"
    )
    services.post_message(
        session, sender=Sender.VISITOR, author=None, body="HP LaserJet"
    )
    services.add_attachment(
        session,
        sender=Sender.VISITOR,
        author=None,
        name="blad.png",
        content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
    )

    ticket = services.convert_to_ticket(session, agent=tomasz, subject="Drukarka HP")
    assert ticket.channel == Channel.CHAT
    assert ticket.assignee == tomasz
    assert ticket.requester.email == "ewa@kowalski.pl"
    thread = list(ticket.messages.order_by("created_at", "pk"))
    bodies = [m.body_text for m in thread]
    assert bodies[:3] == ["Nie działa drukarka", "Jaki model?", "HP LaserJet"]
    assert [m.kind for m in thread[:3]] == [
        MessageKind.CUSTOMER,
        MessageKind.REPLY,
        MessageKind.CUSTOMER,
    ]
    assert ticket.created_at == thread[0].created_at < thread[1].created_at
    assert ticket.attachments.get().original_name == "blad.png"
    assert ticket.first_response_at is not None
    session.refresh_from_db()
    assert session.ticket == ticket
    with pytest.raises(services.ChatError):
        services.convert_to_ticket(session, agent=tomasz)


def test_attaching_a_chat_to_an_existing_ticket(widget, tomasz, adam, open_ticket_for):
    ticket = open_ticket_for(adam, "VPN")
    session = services.start_session(widget, name="Adam", email=adam.email)
    services.post_message(
        session, sender=Sender.VISITOR, author=None, body="Wciąż nie działa VPN"
    )
    services.attach_to_ticket(session, ticket, agent=tomasz)
    assert ticket.messages.filter(body_text="Wciąż nie działa VPN").exists()


def test_leaving_a_message_when_nobody_is_available_opens_a_ticket(widget):
    ticket = services.leave_message(
        widget,
        name="Jan",
        email="jan@kowalski.pl",
        body="Proszę o kontakt w sprawie faktury\nDziękuję",
    )
    assert ticket.channel == Channel.CHAT
    assert ticket.subject == "Proszę o kontakt w sprawie faktury"
    assert ticket.team == widget.team


def test_ending_a_chat_mails_the_transcript_once(
    widget, tomasz, mailoutbox, django_capture_on_commit_callbacks
):
    session = services.start_session(
        widget, name="Ewa", email="ewa@kowalski.pl", language="pl"
    )
    services.post_message(
        session, sender=Sender.VISITOR, author=None, body="Dzień dobry"
    )
    services.accept(session, tomasz)
    services.post_message(
        session, sender=Sender.AGENT, author=tomasz, body="W czym mogę pomóc?"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.end(session, by=tomasz)
    with django_capture_on_commit_callbacks(execute=True):
        services.end(session, by=None)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ewa@kowalski.pl"]
    assert "W czym mogę pomóc?" in mail.body
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"
    assert ChatSession.objects.get().status == SessionStatus.ENDED
    with pytest.raises(services.ChatError):
        services.post_message(session, sender=Sender.VISITOR, author=None, body="halo?")


def test_availability_is_only_for_agents(adam, tomasz):
    services.set_availability(tomasz, "away")
    assert User.objects.get(pk=tomasz.pk).availability == "away"
    with pytest.raises(services.ChatError):
        services.set_availability(adam, "available")


def test_the_plain_text_transcript_shows_what_was_typed_not_html_entities(
    widget, tomasz, mailoutbox, django_capture_on_commit_callbacks
):
    session = services.start_session(
        widget, name="Ewa O'Brien & syn", email="ewa@kowalski.pl", language="pl"
    )
    services.post_message(
        session, sender=Sender.VISITOR, author=None, body='Błąd "<b>500</b>" & co'
    )
    services.accept(session, tomasz)
    with django_capture_on_commit_callbacks(execute=True):
        services.end(session, by=tomasz)
    [mail] = mailoutbox
    assert 'Ewa O\'Brien & syn: Błąd "<b>500</b>" & co' in mail.body
    assert "&amp;" not in mail.body
    assert "&quot;" not in mail.body
    html = mail.alternatives[0].content
    assert "&lt;b&gt;500&lt;/b&gt;" in html
