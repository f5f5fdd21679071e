"""Report figures against numbers worked out by hand from the fortnight
fixture (see conftest.py for the timeline)."""

from datetime import date

import pytest

from podpora.reports import metrics
from podpora.reports.metrics import ReportFilter, compute_report
from podpora.tickets import services
from podpora.tickets.models import Channel, Priority

pytestmark = pytest.mark.django_db

PERIOD = ReportFilter(start=date(2026, 3, 2), end=date(2026, 3, 13))
H = 3600


def test_counts_created_resolved_and_backlog(fortnight):
    report = compute_report(PERIOD)

    assert report.created == 5
    # Mon (T2), Wed (T3) and the following Monday (T1); T4 was reopened.
    assert report.resolved == 3
    assert report.backlog_start == 0
    assert report.backlog_end == 2


def test_first_response_times_in_calendar_and_business_hours(fortnight):
    report = compute_report(PERIOD)

    # Calendar: 0.5 h, 0.5 h, 2 h and 66 h over the weekend.
    assert report.first_response.count == 4
    assert report.first_response.median == 1.25 * H
    assert report.first_response.average == 17.25 * H
    # Business hours: T3 was answered before 08:00 (0 h) and Friday 15:00 →
    # Monday 09:00 is one hour on Friday and one on Monday.
    assert report.first_response_business.median == 1.25 * H
    assert report.first_response_business.average == 1.125 * H
    assert report.first_response.median_exact


def test_resolution_times_in_calendar_and_business_hours(fortnight):
    report = compute_report(PERIOD)

    # Calendar: 2 h, 29 h, 67 h (Friday 15:00 → Monday 10:00).
    assert report.resolution.median == 29 * H
    assert report.resolution.average == pytest.approx(98 / 3 * H, abs=1)
    # Business: 2 h; Tue 08–16 and Wed 08–12 = 12 h; Fri 15–16 and Mon 08–10 = 3 h.
    assert report.resolution_business.median == 3 * H
    assert report.resolution_business.average == pytest.approx(17 / 3 * H, abs=1)
    assert report.resolved_within_24h_pct == 33.3


def test_first_line_resolution_escalations_reopens_and_repeats(fortnight):
    report = compute_report(PERIOD)

    assert report.resolved_first_line == 2
    assert report.first_line_resolution_pct == 66.7
    assert report.escalated == 1
    assert report.escalation_events == 1
    assert report.reopened == 1
    assert report.reopen_pct == 20.0
    # Adam asked about the printer again four days and six hours later.
    assert report.repeated == 1
    assert (
        compute_report(
            ReportFilter(start=PERIOD.start, end=PERIOD.end, repeat_days=3)
        ).repeated
        == 0
    )


def test_busiest_hours_and_weekdays(fortnight):
    report = compute_report(PERIOD)

    assert report.hours[10] == 2
    assert report.hours[7] == report.hours[9] == report.hours[15] == 1
    assert sum(report.hours) == 5
    assert report.weekdays == [1, 1, 1, 0, 1, 1, 0]


def test_series_by_week_carries_the_backlog(fortnight):
    weekly = compute_report(
        ReportFilter(start=PERIOD.start, end=PERIOD.end, granularity="week")
    )

    assert [(p.start, p.created, p.resolved, p.backlog) for p in weekly.series] == [
        (date(2026, 3, 2), 5, 2, 3),
        (date(2026, 3, 9), 0, 1, 2),
    ]


def test_backlog_before_the_period_is_carried_in(fortnight):
    report = compute_report(ReportFilter(start=date(2026, 3, 5), end=date(2026, 3, 13)))

    # Before Thursday: T2, T3, T4 created, T2 and T3 resolved.
    assert report.backlog_start == 1
    assert report.created == 2
    assert report.backlog_end == 2


def test_tickets_per_agent_and_open_load(fortnight, tomasz, petra):
    rows = {a.name: a for a in compute_report(PERIOD).agents}

    assert (rows[tomasz.full_name].created, rows[tomasz.full_name].resolved) == (3, 2)
    assert rows[tomasz.full_name].open_load == 1
    assert (rows[petra.full_name].created, rows[petra.full_name].resolved) == (1, 1)
    assert rows[petra.full_name].open_load == 0


@pytest.mark.parametrize(
    ("filters", "created", "resolved"),
    [
        ({"channel": Channel.PHONE}, 1, 1),
        ({"priority": Priority.URGENT}, 1, 1),
        ({"channel": Channel.PORTAL, "priority": Priority.NORMAL}, 4, 2),
    ],
)
def test_filters_narrow_the_figures(fortnight, filters, created, resolved):
    report = compute_report(ReportFilter(start=PERIOD.start, end=PERIOD.end, **filters))

    assert (report.created, report.resolved) == (created, resolved)


def test_filters_by_organisation_team_agent_and_category(
    fortnight, org_a, org_b, petra, infrastructure
):
    def figures(**kw):
        r = compute_report(ReportFilter(start=PERIOD.start, end=PERIOD.end, **kw))
        return r.created, r.resolved

    assert figures(organization_id=org_a.pk) == (4, 2)
    assert figures(organization_id=org_b.pk) == (1, 1)
    assert figures(team_id=infrastructure.pk) == (1, 1)
    assert figures(agent_id=petra.pk) == (1, 1)
    assert figures(category_id=fortnight.printers.pk) == (2, 2)
    assert figures(organization_id=org_a.pk, category_id=fortnight.printers.pk) == (
        2,
        2,
    )


def test_a_change_of_assignee_moves_the_ticket_between_agents(
    fortnight, tomasz, petra, clock
):
    services.assign(fortnight.printer_friday, petra, actor=petra)

    rows = {a.name: a for a in compute_report(PERIOD).agents}
    assert rows[tomasz.full_name].created == 2
    assert rows[petra.full_name].created == 2


def test_merged_duplicate_is_not_counted(fortnight, tomasz):
    services.merge_tickets(
        fortnight.saturday_open, fortnight.outlook_reopened, actor=tomasz
    )

    report = compute_report(PERIOD)
    assert report.created == 4
    assert report.backlog_end == 1


def test_large_sets_use_the_histogram_median(fortnight, monkeypatch):
    monkeypatch.setattr(metrics, "EXACT_MEDIAN_LIMIT", 0)

    report = compute_report(PERIOD)

    # 29 h falls in the 24–48 h bucket; the middle of three values is the
    # 1.5th of the bucket's one → interpolated half-way: 36 h.
    assert not report.resolution.median_exact
    assert report.resolution.median == 36 * H
    # The average stays exact.
    assert report.resolution.average == pytest.approx(98 / 3 * H, abs=1)


def test_histogram_median_interpolates_inside_the_bucket():
    buckets = [0] * 15
    buckets[2] = 4  # 30–60 min
    assert metrics.histogram_median(buckets) == 45 * 60
    assert metrics.histogram_median([0] * 15) is None
    open_ended = [0] * 15
    open_ended[-1] = 3
    assert metrics.histogram_median(open_ended) == 30 * 86400
