from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from podpora.portal import services
from podpora.portal.models import Customer, PortalSettings
from podpora.tickets.errors import TicketError


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


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Read-only list of customers with one action: (re)send the portal
    invitation. People are edited in the accounts admin."""

    list_display = ["email", "full_name", "has_password", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["memberships__organization"]
    actions = ["send_invitation"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).filter(agent_role="")

    @admin.display(boolean=True, description=_("has a password"))
    def has_password(self, obj: Customer) -> bool:
        return obj.has_usable_password()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Customer | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Customer | None = None
    ) -> bool:
        return False

    @admin.action(description=_("Send a portal invitation"))
    def send_invitation(
        self, request: HttpRequest, queryset: QuerySet[Customer]
    ) -> None:
        sent = 0
        for customer in queryset:
            try:
                services.invite(invited_by=request.user, email=customer.email)  # type: ignore[arg-type]
            except TicketError as error:
                self.message_user(
                    request, f"{customer.email}: {error.message}", messages.ERROR
                )
            else:
                sent += 1
        self.message_user(
            request,
            ngettext(
                "Invitation sent to %(count)d customer.",
                "Invitations sent to %(count)d customers.",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS,
        )
