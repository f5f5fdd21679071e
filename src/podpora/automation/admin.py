from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from podpora.automation.assignment import nobody_available_warning
from podpora.automation.models import (
    BusinessCalendar,
    ClosedDay,
    SlaPolicy,
    SlaTarget,
    TeamSettings,
)


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "country", "subdivision"]
    inlines = [ClosedDayInline]


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 4


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "position",
        "is_default",
        "is_active",
        "calendar",
        "warning_percent",
    ]
    list_editable = ["position", "is_active"]
    filter_horizontal = ["organizations", "categories"]
    inlines = [SlaTargetInline]


@admin.register(TeamSettings)
class TeamSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "assignment"]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        settings = self.get_object(request, object_id)
        warning = (
            nobody_available_warning(settings.team)
            if request.method == "GET" and settings is not None
            else None
        )
        if warning:
            messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)
