from datetime import timedelta

import pytest
from django.utils import timezone

from podpora.core import sample_data
from podpora.reports import demo
from podpora.reports.metrics import ReportFilter, compute_report

pytestmark = pytest.mark.django_db


def test_the_demo_shows_deflection_on_the_dashboard():
    sample_data.ensure_world()

    assert demo.add_deflection() == demo.VISITS
    assert demo.add_deflection() == 0

    today = timezone.localdate()
    report = compute_report(ReportFilter(start=today - timedelta(days=61), end=today))
    deflection = report.deflection
    assert deflection.opened == demo.VISITS
    assert 0 < deflection.solved < deflection.deflected < deflection.opened
