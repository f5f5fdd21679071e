from django.contrib import admin

from podpora.core.models import PendingTask, WorkerBeat


@admin.register(PendingTask)
class PendingTaskAdmin(admin.ModelAdmin):
    """Tasks kept while the task backend was down; the drain job enqueues
    them (docs/adr/0007-task-outbox.md). Read-only: editing a kept task's
    arguments would run something nobody asked for."""

    list_display = ["task_path", "created_at", "attempts", "last_error"]
    readonly_fields = [f.name for f in PendingTask._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(WorkerBeat)
class WorkerBeatAdmin(admin.ModelAdmin):
    """The task workers and when each was last heard from."""

    list_display = ["worker_id", "host", "pid", "started_at", "seen_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
