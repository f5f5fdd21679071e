from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from podpora.accounts.models import Membership, Organization, Team, User
from podpora.automation.models import Rule
from podpora.core import demo
from podpora.desk.models import CannedReply
from podpora.kb.models import Article, ArticleStatus, Visibility
from podpora.reports.metrics import ReportFilter, compute_report
from podpora.surveys.models import Survey
from podpora.tickets.models import Message, MessageKind, Status, Ticket
from podpora.tickets.selectors import visible_to

pytestmark = pytest.mark.django_db


def _demo(*args: str, **options: object) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, **options)
    return out.getvalue()


def test_demo_loads_backdated_tickets_with_threads_and_prints_the_sign_ins():
    output = _demo("--tickets", "120")
    assert "Loaded 124 demo tickets." in output
    for email, _what in demo.LOGINS:
        assert email in output
    assert demo.PASSWORD in output
    tickets = Ticket.objects.all()
    assert tickets.count() == 124
    oldest = tickets.order_by("created_at").first().created_at
    assert (timezone.now() - oldest).days >= 60
    assert {t.status for t in tickets} >= {Status.NEW, Status.OPEN, Status.CLOSED}
    assert Message.objects.filter(kind=MessageKind.NOTE).exists()
    assert Organization.objects.filter(name="Strojírny Brno a.s.").exists()


def test_every_named_demo_login_signs_in_with_the_demo_password():
    _demo("--tickets", "10")
    for email, _what in demo.LOGINS:
        assert authenticate(email=email, password=demo.PASSWORD) is not None, email
    assert User.objects.get(email="admin@podpora.demo").is_staff


def test_if_empty_does_nothing_the_second_time():
    _demo("--if-empty", "--tickets", "20")
    count = Ticket.objects.count()
    output = _demo("--if-empty", "--tickets", "20")
    assert "already loaded" in output
    assert Ticket.objects.count() == count


def test_loading_again_adds_tickets_but_no_second_copy_of_people():
    demo.load(tickets=10)
    people, organisations = User.objects.count(), Organization.objects.count()
    articles, replies = Article.objects.count(), CannedReply.objects.count()
    demo.load(tickets=10)
    assert User.objects.count() == people
    assert Organization.objects.count() == organisations
    assert (Article.objects.count(), CannedReply.objects.count()) == (
        articles,
        replies,
    )
    assert Survey.objects.count() == Survey.objects.values("ticket").distinct().count()


def test_a_trial_dashboard_shows_sla_compliance_and_answered_surveys():
    demo.load(tickets=120)
    today = timezone.localdate()
    report = compute_report(ReportFilter(start=today - timedelta(days=30), end=today))
    assert report.sla
    for row in report.sla:
        # Most targets met, some missed: a believable helpdesk, not 0 % or 100 %.
        assert 0.5 < row.met / row.total < 1, row
    assert report.csat.count > 10
    assert 3.5 < report.csat.average < 5


def test_a_trial_has_articles_in_three_languages_canned_replies_and_one_invoice_team():
    demo.load(tickets=5)
    public = Article.objects.filter(
        status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC
    )
    assert set(public.values_list("language", flat=True)) == {"pl", "cs", "en"}
    assert Article.objects.filter(visibility=Visibility.INTERNAL).exists()
    assert CannedReply.objects.filter(owner=None).count() >= 5
    rule = Rule.objects.get(name=demo.INVOICE_RULE)
    team = Team.objects.get(pk=rule.actions[0]["value"])
    assert team.name == demo.INVOICE_TEAM
    assert not Team.objects.filter(name="Accounting support").exists()


def test_a_password_changed_after_loading_survives_a_reload():
    demo.load(tickets=5)
    tomasz = User.objects.get(email="tomasz@podpora.demo")
    tomasz.set_password("tomasz-own-secret-1")
    tomasz.save()
    demo.load(tickets=5)
    assert authenticate(email=tomasz.email, password="tomasz-own-secret-1")


def test_todays_requests_from_the_demo_customers_go_through_the_services():
    demo.load(tickets=0)
    anna = User.objects.get(email="anna.kowalska@kowalski-logistyka.pl")
    mine = Ticket.objects.filter(requester=anna)
    assert mine.count() == 1
    ticket = mine.get()
    assert ticket.assignee.email == "tomasz@podpora.demo"
    assert ticket.events.filter(field="assignee").exists()


def test_the_demo_manager_sees_only_her_organisations_tickets():
    demo.load(tickets=80)
    anna = User.objects.get(email="anna.kowalska@kowalski-logistyka.pl")
    organisation = Membership.objects.get(user=anna).organization
    seen = visible_to(anna)
    assert seen.count() == Ticket.objects.filter(organization=organisation).count()
    assert seen.count() > 1
    jan = User.objects.get(email="jan.dvorak@strojirny-brno.cz")
    assert not visible_to(jan).filter(organization=organisation).exists()


def test_a_trial_shows_a_forged_mail_held_for_the_administrator(client):
    from podpora.mail.models import InboundMail, InboundState

    demo.load(tickets=5)
    demo.load(tickets=0)
    held = InboundMail.objects.get(state=InboundState.HELD)
    assert "Unverified sender" in held.reason
    admin = User.objects.get(email=demo.ADMIN)
    client.force_login(admin)
    assert "Unverified sender" in client.get("/mail/").content.decode()
