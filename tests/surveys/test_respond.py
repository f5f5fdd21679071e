import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from podpora.surveys import services, tokens
from podpora.surveys.errors import AlreadyAnswered, InvalidAnswer
from podpora.surveys.models import Survey, SurveyResponse
from podpora.tickets.models import MessageKind


def _path(message) -> str:
    return re.search(r"http://[^/]+(/surveys/r/\S+/)", message.body).group(1)


def test_requester_rates_through_the_link_without_signing_in(client, resolved_ticket):
    path = _path(mail.outbox[0])
    form = client.get(path, {"rating": "4"})
    assert form.status_code == 200
    assert "Oceń naszą pomoc" in form.text  # Adam reads Polish
    assert 'value="4" checked' in form.text
    assert not SurveyResponse.objects.exists()  # opening the link saves nothing
    done = client.post(path, {"rating": "4", "comment": "Szybko i sprawnie."})
    assert "Dziękujemy" in done.text
    response = SurveyResponse.objects.get()
    assert (response.ticket, response.rating, response.comment) == (
        resolved_ticket,
        4,
        "Szybko i sprawnie.",
    )
    assert response.channel == "link"


def test_a_used_link_shows_a_clear_page(client, resolved_ticket):
    path = _path(mail.outbox[0])
    client.post(path, {"rating": "5"})
    again = client.get(path)
    assert "już" in again.text.lower() or "already" in again.text.lower()
    client.post(path, {"rating": "1"})
    assert SurveyResponse.objects.get().rating == 5


def test_an_expired_link_shows_a_clear_page(client, resolved_ticket, settings):
    path = _path(mail.outbox[0])
    settings.PODPORA_SURVEY_LINK_DAYS = -1
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "expired" in response.text


def test_a_forged_link_is_not_found(client, resolved_ticket):
    survey = Survey.objects.get()
    forged = tokens.make_token(survey).replace(survey.nonce.hex, "0" * 32)
    assert client.get(reverse("surveys:respond", args=[forged])).status_code == 404
    assert client.get(reverse("surveys:respond", args=["1:abc"])).status_code == 404


def test_a_missing_or_out_of_range_rating_is_refused_and_the_comment_kept(
    client, resolved_ticket
):
    path = _path(mail.outbox[0])
    response = client.post(path, {"rating": "7", "comment": "Mój komentarz"})
    assert response.status_code == 400
    assert "Mój komentarz" in response.text
    assert not SurveyResponse.objects.exists()


def test_answers_through_links_are_rate_limited(client, resolved_ticket):
    path = _path(mail.outbox[0])
    for _ in range(services.ANSWERS_PER_HOUR):
        client.post(path, {"rating": "9"})
    assert client.post(path, {"rating": "5"}).status_code == 429


def test_a_survey_takes_one_answer(resolved_ticket):
    survey = Survey.objects.get()
    services.respond(survey, rating=5)
    with pytest.raises(AlreadyAnswered):
        services.respond(survey, rating=1)
    with pytest.raises(InvalidAnswer):
        services.respond(Survey(pk=survey.pk), rating="abc")


def test_a_low_rating_notes_it_on_the_ticket_and_mails_the_team_lead(
    resolved_ticket, service_desk, sylwia, django_capture_on_commit_callbacks
):
    service_desk.lead = sylwia
    service_desk.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.respond(Survey.objects.get(), rating=2, comment="Trwało tydzień.")
    note = resolved_ticket.messages.get(kind=MessageKind.SYSTEM)
    assert "2/5" in note.body_text
    assert "Trwało tydzień." in note.body_text
    assert note.data["rating"] == 2
    lead_mail = mail.outbox[-1]
    assert lead_mail.to == [sylwia.email]
    assert "2/5" in lead_mail.subject
    assert "Trwało tydzień." in lead_mail.body


def test_without_a_team_lead_the_supervisors_hear_of_a_low_rating(
    resolved_ticket, sylwia, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = services.respond(Survey.objects.get(), rating=1)
    assert mail.outbox[-1].to == [sylwia.email]
    from podpora.surveys.tasks import notify_low_rating

    notify_low_rating.call(response.pk)  # a second run sends nothing more
    assert len(mail.outbox) == 2


def test_a_good_rating_bothers_nobody(
    resolved_ticket, sylwia, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.respond(Survey.objects.get(), rating=3)
    assert len(mail.outbox) == 1
    assert not resolved_ticket.messages.filter(kind=MessageKind.SYSTEM).exists()


received = []


def remember(response):
    received.append(response.rating)


def test_survey_hooks_receive_every_answer(resolved_ticket, settings):
    settings.PODPORA_SURVEY_HOOKS = ["tests.surveys.test_respond.remember"]
    received.clear()
    services.respond(Survey.objects.get(), rating=4)
    assert received == [4]


def test_link_expiry_uses_the_setting(settings):
    settings.PODPORA_SURVEY_LINK_DAYS = 7
    assert tokens.link_max_age() == timedelta(days=7)
