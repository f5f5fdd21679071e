from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import (
    Membership,
    Organization,
    OrganizationDomain,
    Team,
    User,
)
from podpora.audit import services as audit
from podpora.audit.models import Kind

AUDITED_USER_FIELDS = ["agent_role", "is_active", "is_superuser", "two_factor_exempt"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organization"]


class PodporaUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "agent_role")


class PodporaUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PodporaUserChangeForm
    add_form = PodporaUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "agent_role", "phone", "is_active"]
    list_filter = ["agent_role", "is_active", "language"]
    search_fields = ["email", "full_name", "phone"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "language", "time_zone")}),
        (_("Agent"), {"fields": ("agent_role", "availability", "on_leave")}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "two_factor_exempt",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "agent_role",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    filter_horizontal = ()

    def save_model(
        self, request: HttpRequest, obj: User, form: Any, change: bool
    ) -> None:
        # Role and right changes go to the audit log with before and after.
        old = User.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        changed = {
            name: [getattr(old, name) if old else None, getattr(obj, name)]
            for name in AUDITED_USER_FIELDS
            if old is None or getattr(old, name) != getattr(obj, name)
        }
        if old is None:
            changed = {k: v for k, v in changed.items() if v[1]}
        if changed:
            audit.record(
                Kind.ROLE_CHANGED, request=request, target=obj.email, details=changed
            )


class DomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "domains__domain"]
    inlines = [DomainInline, MembershipInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "lead", "escalation_team", "is_active"]
    list_filter = ["tier", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["agents"]
    autocomplete_fields = ["lead"]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        team = self.get_object(request, object_id)
        if request.method == "GET" and team is not None:
            _warn_when_nobody_is_available(request, team)
        return super().change_view(request, object_id, form_url, extra_context)


def _warn_when_nobody_is_available(request: HttpRequest, team: Team) -> None:
    """Auto-assignment is the automation app's; without it there is nothing
    to warn about."""
    if not apps.is_installed("podpora.automation"):
        return
    from podpora.automation.assignment import nobody_available_warning

    if warning := nobody_available_warning(team):
        messages.warning(request, warning)
