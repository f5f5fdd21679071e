from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Organization, Team, User
from podpora.search.filters import TicketFilters
from podpora.tickets.models import Channel, Priority, Status


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.MultipleChoiceField(
        label=_("Status"), choices=Status.choices, required=False
    )
    priority = forms.TypedMultipleChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, required=False
    )
    channel = forms.MultipleChoiceField(
        label=_("Channel"), choices=Channel.choices, required=False
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    tag = forms.CharField(label=_("Tag"), max_length=64, required=False)
    created_from = forms.DateField(
        label=_("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = forms.DateField(
        label=_("Created before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    page = forms.IntegerField(min_value=1, max_value=1000, required=False)

    AGENT_ONLY = ("team", "assignee", "tag")

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user
        if user.is_agent:
            self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
                is_active=True
            )
            self.fields["team"].queryset = Team.objects.filter(is_active=True)  # type: ignore[attr-defined]
            self.fields["assignee"].choices = [  # type: ignore[attr-defined]
                ("", "—"),
                ("me", _("Me")),
                ("none", _("Nobody")),
                *[
                    (str(u.pk), u.display_name)
                    for u in User.objects.exclude(agent_role="").filter(is_active=True)
                ],
            ]
        else:
            for name in (*self.AGENT_ONLY, "organization"):
                del self.fields[name]

    def filters(self) -> TicketFilters:
        from datetime import datetime, time, timedelta

        from django.utils import timezone

        data = self.cleaned_data

        def start_of(day: object) -> datetime | None:
            if not day:
                return None
            return timezone.make_aware(datetime.combine(day, time.min))  # type: ignore[arg-type]

        created_to = start_of(data.get("created_to"))
        return TicketFilters(
            status=data.get("status") or [],
            priority=data.get("priority") or [],
            channel=data.get("channel") or [],
            organization=data["organization"].pk if data.get("organization") else None,
            team=data["team"].pk if data.get("team") else None,
            assignee=data.get("assignee") or None,
            tag=[data["tag"]] if data.get("tag") else [],
            created_from=start_of(data.get("created_from")),
            created_to=created_to + timedelta(days=1) if created_to else None,
        )
