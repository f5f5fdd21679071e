from django.contrib import admin

from podpora.reports.models import ReportSchedule


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency", "organization", "is_active", "last_sent_at"]
    list_filter = ["frequency", "is_active"]
    search_fields = ["name", "recipients"]
    readonly_fields = ["created_by", "created_at", "last_period_start", "last_sent_at"]
