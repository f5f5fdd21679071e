from dataclasses import replace
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import User
from podpora.search.filters import AGENT_ONLY, FilterForm, TicketFilters


class SearchForm(FilterForm):
    """What to search for, and the filters of every ticket list."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    page = forms.IntegerField(min_value=1, max_value=1000, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_agent:
            self.show_all_choices()
        else:
            for name in (*AGENT_ONLY, "organization"):
                del self.fields[name]

    def filters(self) -> TicketFilters:
        # ``q`` is what to search for, not words in the subject.
        return replace(super().filters(), q="")
