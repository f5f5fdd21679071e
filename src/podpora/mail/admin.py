from django import forms
from django.contrib import admin

from podpora.mail.models import InboundMail, Mailbox, OutboundMail


class MailboxForm(forms.ModelForm):
    class Meta:
        model = Mailbox
        fields = [
            "name",
            "kind",
            "addresses",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "after_import",
            "move_to",
            "poll_seconds",
            "default_team",
            "unknown_senders",
            "verify_senders",
            "trusted_authserv_ids",
            "is_active",
        ]
        # The stored password is never sent back to the browser.
        widgets = {"password": forms.PasswordInput(render_value=False)}

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if not password and self.instance.pk:
            return self.instance.password  # left empty: keep the current one
        return password


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "name",
        "kind",
        "host",
        "folder",
        "is_active",
        "last_polled_at",
        "last_error",
    ]
    list_filter = ["kind", "is_active"]
    exclude = ["lease_until", "lease_owner"]
    readonly_fields = ["last_polled_at", "last_error", "next_poll_at"]


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "mailbox", "from_address", "subject", "state"]
    list_filter = ["state", "mailbox"]
    search_fields = ["email_message_id", "from_address", "subject"]
    readonly_fields = [f.name for f in InboundMail._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "recipient",
        "state",
        "attempts",
        "last_error",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["recipient", "email_message_id"]
    readonly_fields = [f.name for f in OutboundMail._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
