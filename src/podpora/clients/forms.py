from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Organization


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    domains = forms.CharField(
        label=_("E-mail domains"),
        required=False,
        max_length=2000,
        help_text=_(
            "Separated by spaces or commas, e.g. acme.pl acme.com: unknown "
            "senders from these domains join this client."
        ),
    )
    notes = forms.CharField(
        label=_("Notes for agents"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Seen by agents only: who to call, what is special here."),
    )
    is_active = forms.BooleanField(
        label=_("Active client"), required=False, initial=True
    )

    @classmethod
    def for_client(cls, client: Organization) -> "ClientForm":
        return cls(
            initial={
                "name": client.name,
                "domains": " ".join(d.domain for d in client.domains.all()),
                "notes": client.notes,
                "is_active": client.is_active,
            }
        )

    def domain_list(self) -> list[str]:
        raw = self.cleaned_data.get("domains", "")
        return [d for d in raw.replace(",", " ").split() if d]


class PersonForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    manager = forms.BooleanField(
        label=_("Organisation manager (sees all the client's tickets)"), required=False
    )
