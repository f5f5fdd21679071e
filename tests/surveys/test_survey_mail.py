import re

from django.core import mail

from podpora.surveys.models import Survey
from podpora.surveys.tasks import send_survey
from podpora.tickets import services as ticket_services
from podpora.tickets.models import Status


def _link(message) -> str:
    return re.search(r"http://\S+/surveys/r/\S+/", message.body).group(0)


def test_resolving_a_ticket_mails_the_requester_a_survey_in_their_language(
    resolved_ticket, adam
):
    (message,) = mail.outbox
    assert message.to == [adam.email]
    assert message.subject == (
        f"Jak nam poszło? [#{resolved_ticket.number}] Drukarka nie drukuje"
    )
    assert "/surveys/r/" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert "?rating=5" in html
    assert "★★★★★" in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    survey = Survey.objects.get()
    assert survey.sent_at is not None
    assert survey.recipient == adam


def test_czech_requesters_get_the_survey_in_czech(bara, open_ticket_for, resolve):
    resolve(open_ticket_for(bara, "Tiskárna netiskne"))
    assert mail.outbox[0].subject.startswith("Jak jsme si vedli?")


def test_the_survey_task_is_safe_to_run_twice(resolved_ticket):
    survey = Survey.objects.get()
    send_survey.call(survey.pk)
    assert len(mail.outbox) == 1


def test_no_survey_when_the_ticket_is_reopened_before_the_mail_goes_out(
    adam, open_ticket_for, tomasz
):
    ticket = open_ticket_for(adam)
    ticket_services.change_status(ticket, Status.RESOLVED, actor=tomasz)
    ticket_services.change_status(ticket, Status.OPEN, actor=tomasz)
    send_survey.call(Survey.objects.get().pk)
    assert mail.outbox == []


def test_each_resolution_gets_its_own_survey(resolved_ticket, tomasz, resolve):
    ticket_services.change_status(resolved_ticket, Status.OPEN, actor=tomasz)
    resolve(resolved_ticket)
    assert Survey.objects.filter(ticket=resolved_ticket).count() == 2
    assert len(mail.outbox) == 2
    assert _link(mail.outbox[0]) != _link(mail.outbox[1])


def test_closing_a_resolved_ticket_sends_no_second_survey(
    resolved_ticket, tomasz, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.close_ticket(resolved_ticket, actor=tomasz)
    assert len(mail.outbox) == 1


def test_agents_who_open_tickets_for_themselves_are_not_surveyed(
    petra, open_ticket_for, resolve
):
    resolve(open_ticket_for(petra, "Test"))
    assert mail.outbox == []
    assert not Survey.objects.exists()


def test_a_ticket_merged_into_another_is_not_surveyed(
    adam, open_ticket_for, tomasz, django_capture_on_commit_callbacks
):
    source = open_ticket_for(adam, "Drukarka")
    target = open_ticket_for(adam, "Drukarka znowu")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.merge_tickets(source, target, actor=tomasz)
    assert mail.outbox == []
