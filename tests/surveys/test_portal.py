from django.template import Context, Template
from django.urls import reverse

from podpora.surveys.models import SurveyResponse


def test_requester_rates_a_resolved_ticket_in_the_portal(client, adam, resolved_ticket):
    client.force_login(adam)
    url = reverse("surveys:rate_ticket", args=[resolved_ticket.number])
    assert client.get(url).status_code == 200
    response = client.post(url, {"rating": "5", "comment": "Super"})
    assert response.url == url
    rating = SurveyResponse.objects.get()
    assert (rating.rating, rating.channel, rating.respondent) == (5, "portal", adam)
    page = client.get(url)
    assert "★★★★★" in page.text
    assert client.post(url, {"rating": "1"}).status_code == 302
    assert SurveyResponse.objects.get().rating == 5


def test_an_open_ticket_cannot_be_rated_yet(client, adam, open_ticket_for):
    ticket = open_ticket_for(adam)
    client.force_login(adam)
    response = client.get(reverse("surveys:rate_ticket", args=[ticket.number]))
    assert response.status_code == 403
    assert not SurveyResponse.objects.exists()


def test_another_organisations_customer_gets_404(client, bara, resolved_ticket):
    client.force_login(bara)
    url = reverse("surveys:rate_ticket", args=[resolved_ticket.number])
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "1"}).status_code == 404


def test_a_manager_sees_the_ticket_but_only_the_requester_rates_it(
    client, anna, resolved_ticket
):
    client.force_login(anna)
    url = reverse("surveys:rate_ticket", args=[resolved_ticket.number])
    assert client.post(url, {"rating": "1"}).status_code == 403
    assert not SurveyResponse.objects.exists()


def test_the_desk_partial_shows_the_rating_and_comment(resolved_ticket, adam):
    from podpora.surveys import services
    from podpora.surveys.models import Survey

    template = Template("{% load surveys %}{% ticket_rating ticket %}")
    assert "Not rated yet" in template.render(Context({"ticket": resolved_ticket}))
    services.respond(Survey.objects.get(), rating=2, comment="<b>Za wolno</b>")
    html = template.render(Context({"ticket": resolved_ticket}))
    assert "★★☆☆☆" in html
    assert "&lt;b&gt;Za wolno&lt;/b&gt;" in html


def _prompt(ticket, user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load surveys %}{% survey_prompt ticket %}").render(
        Context({"ticket": ticket, "request": request})
    )


def test_the_portal_prompt_invites_the_requester_then_shows_the_rating(
    resolved_ticket, adam, anna
):
    from podpora.surveys import services
    from podpora.surveys.models import Survey

    link = reverse("surveys:rate_ticket", args=[resolved_ticket.number])
    assert link in _prompt(resolved_ticket, adam)
    assert _prompt(resolved_ticket, anna).strip() == ""  # not her request
    services.respond(Survey.objects.get(), rating=4)
    shown = _prompt(resolved_ticket, adam)
    assert "★★★★☆" in shown
    assert link not in shown
