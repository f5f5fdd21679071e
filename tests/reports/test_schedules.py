from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from podpora.core.scheduler import all_jobs
from podpora.reports import services, tasks
from podpora.reports.models import Frequency, ReportSchedule
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def monthly_for_a(sylwia, org_a):
    return ReportSchedule.objects.create(
        name="Raport miesięczny Kowalski",
        frequency=Frequency.MONTHLY,
        organization=org_a,
        recipients="anna@kowalski.pl, szef@kowalski.pl",
        language="pl",
        created_by=sylwia,
    )


def test_monthly_report_is_mailed_once_in_the_recipients_language(
    monthly_for_a, fortnight
):
    assert services.send_due_schedules(today=date(2026, 4, 1)) == 1
    assert services.send_due_schedules(today=date(2026, 4, 15)) == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@kowalski.pl", "szef@kowalski.pl"]
    assert message.subject == (
        "Raport helpdesku dla Kowalski Logistyka sp. z o.o., 01.03.2026 – 31.03.2026"
    )
    assert "Zgłoszenia utworzone: 4" in message.body
    html = message.alternatives[0].content
    assert "Zgłoszenia rozwiązane" in html
    names = [a.filename for a in message.attachments]
    assert names == [
        "report-kowalski-logistyka-sp--z-o-o-2026-03.pdf",
        "report-kowalski-logistyka-sp--z-o-o-2026-03.csv",
    ]
    assert message.attachments[0].content.startswith(b"%PDF")
    assert "Drukarka znowu nie drukuje" in message.attachments[1].content
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_next_month_is_sent_again(monthly_for_a, fortnight):
    services.send_due_schedules(today=date(2026, 4, 1))
    services.send_due_schedules(today=date(2026, 5, 1))

    assert len(mail.outbox) == 2
    assert "01.04.2026 – 30.04.2026" in mail.outbox[1].subject


def test_weekly_helpdesk_report_covers_the_last_whole_week(sylwia, fortnight):
    ReportSchedule.objects.create(
        name="Weekly",
        frequency=Frequency.WEEKLY,
        recipients="lead@podpora.test",
        language="en",
        created_by=sylwia,
        attach_pdf=False,
    )

    # Wednesday 11 March: last week is Monday 2 – Sunday 8 March.
    services.send_due_schedules(today=date(2026, 3, 11))

    message = mail.outbox[0]
    assert message.subject == "Helpdesk report, 02 Mar 2026 – 08 Mar 2026"
    assert "Tickets created: 5" in message.body
    assert [a.filename for a in message.attachments] == ["report-2026-03-02.csv"]


def test_schedule_stops_when_its_author_loses_the_reports_right(monthly_for_a, sylwia):
    sylwia.agent_role = "agent"
    sylwia.save()

    assert services.send_due_schedules(today=date(2026, 4, 1)) == 0
    assert mail.outbox == []


def test_the_hourly_job_is_registered_and_runs_the_task(
    monthly_for_a, fortnight, clock
):
    assert (
        all_jobs()["reports.send_due_reports"].task
        == "podpora.reports.tasks.send_due_reports"
    )

    tasks.send_due_reports.enqueue()

    assert len(mail.outbox) == 1


def test_supervisor_schedules_a_report_from_the_page(client, sylwia, org_a):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.post(
        reverse("reports:schedules"),
        {
            "name": "Kowalski monthly",
            "frequency": "monthly",
            "organization": org_a.pk,
            "recipients": "anna@kowalski.pl\nit@kowalski.pl",
            "language": "pl",
            "attach_pdf": "on",
        },
    )

    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.created_by == sylwia
    assert schedule.recipient_list == ["anna@kowalski.pl", "it@kowalski.pl"]
    assert not schedule.attach_csv


def test_bad_recipient_is_reported_and_nothing_saved(client, sylwia):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.post(
        reverse("reports:schedules"),
        {
            "name": "x",
            "frequency": "weekly",
            "recipients": "anna@kowalski.pl, not-an-address",
            "language": "en",
        },
    )

    assert response.status_code == 200
    assert "Not an e-mail address: not-an-address" in response.content.decode()
    assert not ReportSchedule.objects.exists()


def test_send_now_mails_the_last_period_even_if_sent(
    client, sylwia, monthly_for_a, django_capture_on_commit_callbacks
):
    client.login(email=sylwia.email, password=PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:schedule_send", args=[monthly_for_a.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:schedule_send", args=[monthly_for_a.pk]))

    assert len(mail.outbox) == 2


def test_customer_cannot_touch_schedules(client, anna, monthly_for_a):
    client.login(email=anna.email, password=PASSWORD)

    assert (
        client.post(
            reverse("reports:schedule_delete", args=[monthly_for_a.pk])
        ).status_code
        == 403
    )
    assert ReportSchedule.objects.exists()


@pytest.mark.parametrize(
    ("language", "expected", "wrong"),
    [
        (
            "pl",
            ["Nazwa", "Częstotliwość", "Organizacja", "Odbiorcy", "Język"],
            ["Imię i nazwisko", "Imię"],
        ),
        (
            "cs",
            ["Název", "Četnost", "Organizace", "Příjemci", "Jazyk"],
            ["Jméno"],
        ),
        ("en", ["Name", "Frequency", "Organisation", "Recipients", "Language"], []),
    ],
)
def test_schedule_page_labels_name_a_schedule_not_a_person(
    client, sylwia, monthly_for_a, language, expected, wrong
):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.get(reverse("reports:schedules"), HTTP_ACCEPT_LANGUAGE=language)

    content = response.content.decode()
    header = content.split("<thead>", 1)[1].split("</thead>", 1)[0]
    form = content.split('class="card stack schedule-form"', 1)[1]
    for text in expected[:4]:
        assert f">{text}</th>" in header
    for text in expected:
        assert f">{text}:</label>" in form
    for text in wrong:
        assert text not in content
