import re

import pytest
from django.core import mail

from podpora.surveys.models import SurveyResponse
from podpora.tickets import services as ticket_services
from podpora.tickets.models import Status
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_requester_rates_a_resolved_ticket_through_the_survey_link(
    page, live_server, adam, tomasz, open_ticket_for
):
    ticket = open_ticket_for(adam, "Drukarka nie drukuje")
    ticket_services.change_status(ticket, Status.RESOLVED, actor=tomasz)
    (survey_mail,) = mail.outbox
    path = re.search(r"http://[^/]+(/surveys/r/\S+/)", survey_mail.body).group(1)

    page.goto(live_server.url + path + "?rating=4")
    assert page.locator("#rating-4").is_checked()  # preselected from the e-mail
    page.locator("label[for=rating-5]").click()
    page.get_by_label("Komentarz (opcjonalnie)").fill("Szybko i sprawnie, dziękuję.")
    screenshot(page, "survey-form")
    page.get_by_role("button", name="Wyślij ocenę").click()
    page.get_by_text("Dziękujemy za ocenę!").wait_for()
    screenshot(page, "survey-thanks")
    response = SurveyResponse.objects.get()
    assert (response.ticket_id, response.rating) == (ticket.pk, 5)
    assert response.comment == "Szybko i sprawnie, dziękuję."

    page.goto(live_server.url + path)
    page.get_by_text("Już ocenione").wait_for()
    screenshot(page, "survey-link-used")
