"""Django's empty choice of a select ("- Select an option -") speaks the
person's language: the project catalogue translates it (settings.py)."""

import pytest
from django import forms
from django.utils import translation

from podpora.tickets.models import Ticket


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["channel"]  # a choice field that may stay empty


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "- Select an option -"),
        ("pl", "- Wybierz opcję -"),
        ("cs", "- Vyberte možnost -"),
    ],
)
def test_a_selects_empty_choice_is_in_the_active_language(language, label):
    with translation.override(language):
        html = str(ChannelForm()["channel"])
    assert f'<option value="" selected>{label}</option>' in html
