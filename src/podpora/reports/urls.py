from django.urls import path, register_converter

from podpora.reports import views


class _Format:
    regex = "csv|xlsx|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Format, "report_format")

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.<report_format:file_format>", views.export, name="export"),
    path("organisations/", views.organizations, name="organizations"),
    path(
        "organisations/<int:org_id>/<int:year>-<int:month>/",
        views.organization_report,
        name="organization",
    ),
    path(
        "organisations/<int:org_id>/<int:year>-<int:month>/report.<report_format:file_format>",
        views.organization_download,
        name="organization_download",
    ),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/<int:pk>/delete", views.schedule_delete, name="schedule_delete"),
    path("schedules/<int:pk>/send", views.schedule_send, name="schedule_send"),
]
