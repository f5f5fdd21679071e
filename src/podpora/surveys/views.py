"""Rating a resolved ticket: through the signed link in the survey e-mail
(no login) or in the portal as the signed-in requester."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from podpora.accounts.models import User
from podpora.core import ratelimit
from podpora.surveys import services, tokens
from podpora.surveys.errors import (
    AlreadyAnswered,
    NotRatable,
    SurveyError,
    TooManyRequests,
)
from podpora.surveys.models import MAX_RATING, ResponseChannel, Survey
from podpora.surveys.selectors import ticket_ratings
from podpora.tickets.models import Ticket
from podpora.tickets.selectors import get_visible_ticket

_PROBLEM_STATUS = {
    tokens.LinkProblem.INVALID: 404,
    tokens.LinkProblem.EXPIRED: 410,
    tokens.LinkProblem.USED: 200,
}


def _star_choices() -> list[int]:
    return list(range(MAX_RATING, 0, -1))


def _selected(value: str | None) -> int | None:
    return (
        int(value)
        if value and value.isdigit() and 1 <= int(value) <= MAX_RATING
        else None
    )


def _portal_ticket_url(ticket: Ticket) -> str:
    try:
        return reverse("portal:ticket", kwargs={"number": ticket.number})
    except NoReverseMatch:
        return ""


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    survey, problem = tokens.survey_from_token(token)
    # The page speaks the requester's language, who is usually not signed in.
    language = (survey.recipient.language if survey else "") or request.LANGUAGE_CODE
    with translation.override(language):
        if problem is not None:
            return _problem_page(request, problem)
        assert survey is not None
        context = {
            "survey": survey,
            "ticket": survey.ticket,
            "stars": _star_choices(),
            # A star clicked in the e-mail only preselects: mail scanners open
            # links too, so nothing is saved before the person confirms.
            "selected": _selected(request.GET.get("rating")),
            "comment": "",
        }
        if request.method == "POST":
            try:
                services.respond(
                    survey,
                    rating=request.POST.get("rating"),
                    comment=request.POST.get("comment", ""),
                    channel=ResponseChannel.LINK,
                    client=ratelimit.client_ip(request),
                )
            except AlreadyAnswered:
                return _problem_page(request, tokens.LinkProblem.USED)
            except SurveyError as bad:
                context |= {
                    "error": bad.message,
                    "selected": _selected(request.POST.get("rating")),
                    "comment": request.POST.get("comment", ""),
                }
                status = 429 if isinstance(bad, TooManyRequests) else 400
                return render(request, "surveys/respond.html", context, status=status)
            return render(request, "surveys/thanks.html", {"ticket": survey.ticket})
        return render(request, "surveys/respond.html", context)


def _problem_page(request: HttpRequest, problem: tokens.LinkProblem) -> HttpResponse:
    return render(
        request,
        "surveys/link_problem.html",
        {"problem": str(problem)},
        status=_PROBLEM_STATUS[problem],
    )


@login_required
@require_http_methods(["GET", "POST"])
def rate_ticket(request: HttpRequest, number: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        ticket = get_visible_ticket(user, number)
    except Ticket.DoesNotExist as missing:
        raise Http404 from missing
    context: dict = {
        "ticket": ticket,
        "stars": _star_choices(),
        "ratings": ticket_ratings(ticket),
        "portal_url": _portal_ticket_url(ticket),
        "selected": _selected(request.GET.get("rating")),
        "comment": "",
    }
    try:
        survey: Survey | None = services.survey_for_portal(ticket, user)
    except NotRatable as why:
        context["not_ratable"] = why.message
        return render(request, "surveys/rate_ticket.html", context, status=403)
    context["survey"] = survey
    if request.method == "POST":
        try:
            services.respond(
                survey,  # type: ignore[arg-type]
                rating=request.POST.get("rating"),
                comment=request.POST.get("comment", ""),
                respondent=user,
                channel=ResponseChannel.PORTAL,
            )
        except AlreadyAnswered:
            return redirect("surveys:rate_ticket", number=ticket.number)
        except SurveyError as bad:
            context |= {
                "error": bad.message,
                "selected": _selected(request.POST.get("rating")),
                "comment": request.POST.get("comment", ""),
            }
            return render(request, "surveys/rate_ticket.html", context, status=400)
        return redirect("surveys:rate_ticket", number=ticket.number)
    return render(request, "surveys/rate_ticket.html", context)
