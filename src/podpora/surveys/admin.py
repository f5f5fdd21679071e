from django.contrib import admin

from podpora.surveys.models import Survey, SurveyResponse


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["ticket", "recipient", "resolved_at", "sent_at", "answered_at"]
    list_filter = ["sent_at", "answered_at"]
    raw_id_fields = ["ticket", "recipient"]
    readonly_fields = ["nonce", "created_at", "sent_at", "answered_at"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["ticket", "rating", "channel", "created_at", "lead_notified_at"]
    list_filter = ["rating", "channel", "created_at"]
    raw_id_fields = ["survey", "ticket", "respondent"]
    search_fields = ["comment", "ticket__number"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # a customer's answer is not edited

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
