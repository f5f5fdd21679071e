from django.tasks import task

from podpora.reports import services
from podpora.reports.models import ReportSchedule


@task()
def send_due_reports() -> int:
    """Mail every scheduled report whose period has ended; safe to run twice."""
    return services.send_due_schedules()


@task()
def send_report_now(schedule_id: int) -> bool:
    schedule = ReportSchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        return False
    return services.send_schedule(schedule, force=True)
