from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.chat.models import ChatWidget


class StartForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    page_url = forms.CharField(max_length=500, required=False)
    language = forms.CharField(max_length=5, required=False)


class OfflineForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    message = forms.CharField(max_length=4000)


class WidgetForm(forms.ModelForm):
    class Meta:
        model = ChatWidget
        fields = [
            "name",
            "allowed_origins",
            "team",
            "organization",
            "business_hours",
            "language",
            "greeting",
            "color",
            "text_color",
            "is_active",
        ]
        widgets = {
            "color": forms.TextInput(attrs={"type": "color"}),
            "text_color": forms.TextInput(attrs={"type": "color"}),
            "allowed_origins": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_allowed_origins(self) -> str:
        from urllib.parse import urlsplit

        lines = [
            line.strip()
            for line in self.cleaned_data["allowed_origins"].splitlines()
            if line.strip()
        ]
        for line in lines:
            parts = urlsplit(line)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path not in ("", "/")
            ):
                raise forms.ValidationError(
                    _("%(origin)s is not an origin like https://www.example.com")
                    % {"origin": line}
                )
        return "\n".join(lines)


class TransferForm(forms.Form):
    agent = forms.IntegerField(required=False)
    team = forms.IntegerField(required=False)


class ConvertForm(forms.Form):
    subject = forms.CharField(max_length=255, required=False)
    ticket_number = forms.IntegerField(required=False)
