import subprocess
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from podpora.reports import providers
from podpora.reports.metrics import ReportFilter, compute_report
from podpora.reports.models import DailyTicketStats, TicketFact
from podpora.tickets import services
from podpora.tickets.models import Category
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PERIOD = ReportFilter(start=date(2026, 3, 2), end=date(2026, 3, 13))


@pytest.fixture
def rated(fortnight):
    """Adam rates Monday's printer 5, Bára the VPN 2, Adam Friday's printer 4,
    each an hour after the resolution (the survey mail went at resolution)."""
    from podpora.surveys import services as surveys
    from podpora.surveys.models import Survey, SurveyResponse
    from podpora.tickets.models import Ticket

    for ticket, stars in (
        (fortnight.printer_monday, 5),
        (fortnight.vpn_escalated, 2),
        (fortnight.printer_friday, 4),
    ):
        ticket = Ticket.objects.get(pk=ticket.pk)
        survey = surveys.start_survey(ticket)
        response = surveys.respond(survey, rating=stars)
        SurveyResponse.objects.filter(pk=response.pk).update(
            created_at=ticket.resolved_at + timedelta(hours=1)
        )
        Survey.objects.filter(pk=survey.pk).update(sent_at=ticket.resolved_at)


def test_csat_average_and_distribution_come_from_survey_ratings(rated):
    csat = compute_report(PERIOD).csat

    assert csat.count == 3
    assert csat.average == 3.67
    assert csat.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert csat.satisfied_pct == 66.7
    assert csat.response_rate_pct == 100.0


def test_csat_follows_the_filters_and_the_period(rated, org_b):
    only_b = compute_report(
        ReportFilter(start=PERIOD.start, end=PERIOD.end, organization_id=org_b.pk)
    ).csat
    first_week = compute_report(
        ReportFilter(start=date(2026, 3, 2), end=date(2026, 3, 8))
    ).csat

    assert (only_b.count, only_b.average) == (1, 2.0)
    assert first_week.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}


@pytest.fixture
def sla_clocks(fortnight):
    """SLA clocks as automation keeps them, with due times set by hand.

    Standard: Monday's printer answered (09:30) before its 10:00 target and
    resolved (11:00) after its 10:30 target; the VPN answered at 07:30 though
    due at 07:15 (breached). Premium: the reopened Outlook ticket's resolution
    was due Friday and it is still open (overdue, running); Saturday's ticket
    waits on the customer (paused) past its due time: not decided yet.
    """
    from podpora.automation.models import SlaPolicy, TicketSla
    from tests.reports.conftest import at

    standard = SlaPolicy.objects.create(name="Standard")
    premium = SlaPolicy.objects.create(name="Premium")

    def clocks(ticket, policy, **fields):
        TicketSla.objects.update_or_create(
            ticket=ticket, defaults={"policy": policy, **fields}
        )

    clocks(
        fortnight.printer_monday,
        standard,
        first_response_due_at=at(2, 10),
        resolution_due_at=at(2, 10, 30),
        resolution_breached=True,
    )
    clocks(
        fortnight.vpn_escalated,
        standard,
        first_response_due_at=at(3, 7, 15),
        first_response_breached=True,
    )
    clocks(fortnight.outlook_reopened, premium, resolution_due_at=at(6, 10))
    clocks(
        fortnight.saturday_open,
        premium,
        resolution_due_at=at(9, 10),
        paused_since=at(7, 11),
    )


def test_sla_compliance_per_policy_and_target(sla_clocks):
    rows = compute_report(PERIOD).sla

    assert [(r.policy, r.target, r.met, r.total, r.compliance_pct) for r in rows] == [
        ("Premium", "resolution", 0, 1, 0.0),
        ("Standard", "first_response", 1, 2, 50.0),
        ("Standard", "resolution", 0, 1, 0.0),
    ]


def test_sla_compliance_counts_only_targets_due_in_the_period(sla_clocks):
    rows = compute_report(
        ReportFilter(start=date(2026, 3, 3), end=date(2026, 3, 13))
    ).sla

    assert [(r.policy, r.target, r.met, r.total) for r in rows] == [
        ("Premium", "resolution", 0, 1),
        ("Standard", "first_response", 0, 1),
    ]


def test_without_surveys_and_automation_the_figures_are_absent_not_zero(
    fortnight, monkeypatch
):
    monkeypatch.setattr(
        providers, "RATINGS_PROVIDER", "podpora.surveys.selectors.missing"
    )
    monkeypatch.setattr(
        providers.apps, "is_installed", lambda name: name != "podpora.automation"
    )

    report = compute_report(PERIOD)

    assert report.csat is None
    assert report.sla is None


def test_dashboard_shows_csat_chart_from_survey_ratings(client, sylwia, rated):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.get(
        reverse("reports:dashboard"), {"start": "2026-03-02", "end": "2026-03-13"}
    )

    assert b'id="chart-csat"' in response.content
    assert response.context["chart_data"]["csat"]["values"] == [0, 1, 0, 1, 1]


def test_rebuild_command_recomputes_lost_figures(fortnight):
    DailyTicketStats.objects.all().delete()
    TicketFact.objects.all().delete()
    assert compute_report(PERIOD).created == 0

    out = StringIO()
    call_command("reports_rebuild", stdout=out)

    assert "Rebuilt report figures for 5 tickets" in out.getvalue()
    report = compute_report(PERIOD)
    assert (report.created, report.resolved, report.repeated) == (5, 3, 1)


def test_changing_the_earlier_tickets_category_ends_the_repeat(fortnight, tomasz):
    other = Category.objects.create(name="Monitory")

    services.update_ticket(fortnight.printer_monday, actor=tomasz, category=other)

    assert compute_report(PERIOD).repeated == 0
    assert (
        TicketFact.objects.get(ticket=fortnight.printer_friday).repeat_gap_hours is None
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", ["Zgłoszenia utworzone", "Czas reakcji, mediana (godziny pracy)"]),
        ("cs", ["Vytvořené tikety", "Doba reakce, medián (pracovní doba)"]),
    ],
)
def test_dashboard_speaks_polish_and_czech(
    client, sylwia, fortnight, language, expected
):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.get(reverse("reports:dashboard"), HTTP_ACCEPT_LANGUAGE=language)

    content = response.content.decode()
    for text in expected:
        assert text in content


def _client_report(client, org, file_format=None):
    kwargs = {"org_id": org.pk, "year": 2026, "month": 3}
    if file_format:
        return client.get(
            reverse(
                "reports:organization_download",
                kwargs={**kwargs, "file_format": file_format},
            )
        )
    return client.get(reverse("reports:organization", kwargs=kwargs))


def test_client_report_shows_the_promised_targets_not_internal_policy_names(
    client, api_as, anna, org_a, sla_clocks
):
    from podpora.automation.models import SlaPolicy, SlaTarget
    from podpora.tickets.models import Priority

    standard = SlaPolicy.objects.get(name="Standard")
    standard.name = "Kowalski przepłaca"
    standard.save()
    SlaPolicy.objects.filter(name="Premium").update(name="Do wymiany")
    SlaTarget.objects.create(
        policy=standard,
        priority=Priority.NORMAL,
        first_response_minutes=60,
        resolution_minutes=90,
    )
    client.login(email=anna.email, password=PASSWORD)

    page = _client_report(client, org_a).content.decode()
    csv = _client_report(client, org_a, "csv").getvalue().decode()
    pdf = subprocess.run(
        ["pdftotext", "-", "-"],
        input=_client_report(client, org_a, "pdf").content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    api = api_as(anna).get(f"/api/v1/reports/organizations/{org_a.pk}/2026/3").json()

    for shown in (page, csv, pdf, str(api)):
        assert "Kowalski przepłaca" not in shown
        assert "Do wymiany" not in shown
    assert "First response within 1 h · Normal" in page
    assert "Resolution within 1.5 h · Normal" in csv
    assert "First response within 1 h" in pdf
    assert "sla" not in api
    assert [
        (t["target"], t["minutes"], t["business_hours"], t["met"], t["total"])
        for t in api["sla_targets"]
    ] == [
        ("first_response", 60, False, 1, 1),
        ("resolution", 90, False, 0, 1),
        ("resolution", None, False, 0, 1),
    ]


@pytest.fixture
def suggestions(fortnight, tomasz, adam, anna, bara):
    """March's suggested articles opened from the request form: Adam's first
    solved his problem, his second led to no request, Anna sent her request
    anyway; Bára's solved hers. One of Adam's from April is not March's."""
    from podpora.kb import services as kb
    from podpora.kb.models import ArticleStatus, SuggestionVisit, Visibility
    from tests.reports.conftest import at

    article = kb.create_article(
        actor=tomasz,
        title="Drukarka nie drukuje",
        visibility=Visibility.PUBLIC,
        status=ArticleStatus.PUBLISHED,
    )
    visits = [
        (kb.mark_solved(article, session_key="a1", user=adam), at(2, 8)),
        (kb.record_suggestion_visit(article, session_key="a2", user=adam), at(9, 8)),
        (kb.record_suggestion_visit(article, session_key="n1", user=anna), at(4, 9)),
        (kb.mark_solved(article, session_key="b1", user=bara), at(3, 6)),
        (
            kb.record_suggestion_visit(article, session_key="a3", user=adam),
            at(2, 8, month=4),
        ),
    ]
    kb.note_request_sent("n1")
    for visit, when in visits:
        SuggestionVisit.objects.filter(pk=visit.pk).update(opened_at=when)


def test_deflection_is_on_the_dashboard_the_client_report_and_the_api(
    client, api_as, sylwia, anna, org_a, service_desk, suggestions
):
    whole = compute_report(PERIOD).deflection
    only_a = compute_report(
        ReportFilter(start=PERIOD.start, end=PERIOD.end, organization_id=org_a.pk)
    ).deflection
    client.login(email=sylwia.email, password=PASSWORD)
    march = {"start": "2026-03-01", "end": "2026-03-31"}
    dashboard = client.get(reverse("reports:dashboard"), march).content.decode()
    by_team = client.get(
        reverse("reports:dashboard"), {**march, "team": service_desk.pk}
    )
    client.login(email=anna.email, password=PASSWORD)
    page = _client_report(client, org_a).content.decode()
    csv = _client_report(client, org_a, "csv").getvalue().decode()
    api = api_as(anna).get(f"/api/v1/reports/organizations/{org_a.pk}/2026/3").json()

    assert (whole.opened, whole.solved, whole.deflected, whole.rate_pct) == (
        4,
        2,
        3,
        75.0,
    )
    assert (only_a.opened, only_a.solved, only_a.deflected) == (3, 1, 2)
    assert "75.0 %" in dashboard.split('id="kpi-deflection"')[1].split("</div>")[0]
    assert "3 of 4 suggested articles opened needed no request" in dashboard
    assert by_team.context["report"].deflection is None
    assert "not counted by team" in by_team.content.decode()
    assert "2 of 3 suggested articles opened needed no request" in page
    assert "Solved by the knowledge base (%),66.7" in csv
    assert api["deflection"] == {
        "opened": 3,
        "solved": 1,
        "deflected": 2,
        "rate_pct": 66.7,
    }
