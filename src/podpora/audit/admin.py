from django.contrib import admin
from django.http import HttpRequest

from podpora.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is kept by the code, never edited by hand."""

    list_display = ["at", "kind", "actor_email", "address", "target"]
    list_filter = ["kind"]
    search_fields = ["actor_email", "target"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
