import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import User
from podpora.integrations.models import AlertSource, Webhook, WebhookEvent
from podpora.integrations.netguard import UnsafeTarget, resolve


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=128,
        required=False,
        help_text=_("Leave empty to generate one."),
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "secret", "events", "is_active", "allow_internal"]

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"].strip() or secrets.token_urlsafe(32)

    def clean(self) -> dict:
        data = super().clean() or {}
        url = data.get("url")
        if url:
            try:
                resolve(url, allow_internal=bool(data.get("allow_internal")))
            except UnsafeTarget as refused:
                self.add_error("url", str(refused))
        return data


class AlertSourceForm(forms.ModelForm):
    requester = forms.ModelChoiceField(
        label=_("Requester"), queryset=User.objects.filter(is_active=True)
    )

    class Meta:
        model = AlertSource
        fields = [
            "name",
            "organization",
            "team",
            "requester",
            "priority",
            "resolve_on_recovery",
            "is_active",
        ]
