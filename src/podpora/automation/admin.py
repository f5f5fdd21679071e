from django.contrib import admin

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
