"""The macro form: it parses input; ``macros.services`` decides."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from podpora.accounts.models import User
from podpora.desk.canned import PLACEHOLDER, PLACEHOLDERS
from podpora.macros import selectors
from podpora.macros.models import Macro
from podpora.tickets.models import Priority, Status


def _unknown_placeholders(text: str) -> list[str]:
    return [n for n in PLACEHOLDER.findall(text) if n not in PLACEHOLDERS]


class MacroForm(forms.ModelForm):
    status = forms.ChoiceField(
        label=_("Set the status to"),
        required=False,
        choices=[("", _("Keep as it is"))]
        + [(s.value, s.label) for s in Status if s != Status.NEW],
    )
    priority = forms.TypedChoiceField(
        label=_("Set the priority to"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Keep as it is")), *Priority.choices],
    )
    tag_list = forms.CharField(
        label=_("Add tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas; the ticket's own tags stay."),
    )
    shared = forms.BooleanField(
        label=pgettext_lazy("macro", "Shared with every agent"), required=False
    )

    class Meta:
        model = Macro
        fields = ["title", "reply", "note", "status", "priority", "team"]
        labels = {
            "reply": _("Public reply"),
            "note": _("Internal note"),
            "team": _("Move to team"),
        }
        help_texts = {
            "reply": _("Sent to the requester as a public reply."),
            "note": _("Added as an internal note, for agents only."),
        }
        widgets = {
            "reply": forms.Textarea(attrs={"rows": 6}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"] |= {
                "shared": instance.is_shared,
                "tag_list": ", ".join(instance.tags),
            }
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = selectors.settable_teams(user)
        team.empty_label = str(_("Keep as it is"))
        if not selectors.can_share(user):
            del self.fields["shared"]

    def clean_reply(self) -> str:
        return self._checked_text("reply")

    def clean_note(self) -> str:
        return self._checked_text("note")

    def _checked_text(self, name: str) -> str:
        text = str(self.cleaned_data.get(name) or "")
        unknown = _unknown_placeholders(text)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s. Use one of those listed below."),
                params={"names": ", ".join(unknown)},
            )
        return text

    def clean_tag_list(self) -> list[str]:
        raw = self.cleaned_data.get("tag_list") or ""
        return [t.strip() for t in raw.split(",") if t.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(
            data.get(name)
            for name in ("reply", "note", "status", "priority", "team", "tag_list")
        ):
            raise forms.ValidationError(
                _("A macro must do something: fill in at least one field.")
            )
        return data

    def save(self, commit: bool = True) -> Macro:
        macro: Macro = super().save(commit=False)
        macro.tags = self.cleaned_data.get("tag_list") or []
        macro.status = self.cleaned_data.get("status") or ""
        return macro
