from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.audit.models import Kind


class FilterForm(forms.Form):
    person = forms.CharField(label=_("Person (e-mail)"), required=False, max_length=254)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Kind.choices]
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
