from django.contrib import admin

from podpora.tickets.models import Category, Tag, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "is_active", "customer_selectable"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "field", "old_value", "new_value", "actor", "via")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: tickets change through the desk so history stays whole."""

    list_display = [
        "number",
        "subject",
        "status",
        "priority",
        "organization",
        "team",
        "assignee",
        "created_at",
    ]
    list_filter = ["status", "priority", "channel", "team"]
    search_fields = ["=number", "subject", "requester__email"]
    list_select_related = ["organization", "team", "assignee"]
    inlines = [EventInline]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
