from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from podpora.portal.models import PortalSettings


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["self_registration", "customers_choose_priority"]}),
        (
            _("Public form"),
            {
                "fields": [
                    "public_form",
                    "public_requests_per_hour",
                    "follow_link_days",
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: PortalSettings | None = None
    ) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponseRedirect:
        # One row only: the list would be a page with one link on it.
        PortalSettings.load()
        return HttpResponseRedirect(
            reverse("admin:portal_portalsettings_change", args=[1])
        )
