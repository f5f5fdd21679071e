from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Organization, Team, User
from podpora.reports.metrics import GRANULARITIES, ReportFilter
from podpora.reports.models import REPEAT_WINDOWS, ReportSchedule
from podpora.tickets.models import Category, Channel, Priority

MAX_PERIOD_DAYS = 3 * 366
# Days outside these are typing mistakes, and the very last days of the
# calendar cannot be turned into the period's end instant.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_RECIPIENTS = 20


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _choice(queryset: Any, label: Any, empty_label: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset, label=label, required=False, empty_label=empty_label
    )


def default_filter_data(data: Any) -> dict[str, Any]:
    """The query string with the defaults filled in, so the form shows them:
    this month so far, by day, repeats within 7 days."""
    today = timezone.localdate()
    filled = {key: data.get(key) for key in data}
    filled.setdefault("start", today.replace(day=1).isoformat())
    filled.setdefault("end", today.isoformat())
    filled.setdefault("granularity", "day")
    filled.setdefault("repeat_days", "7")
    return filled


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    granularity = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    )
    organization = _choice(
        Organization.objects.all(), _("Organisation"), _("All organisations")
    )
    team = _choice(Team.objects.all(), _("Team"), _("All teams"))
    agent = _choice(
        User.objects.exclude(agent_role="").order_by("full_name"),
        _("Agent"),
        _("All agents"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All priorities")), *Priority.choices],
    )
    category = _choice(Category.objects.all(), _("Category"), _("All categories"))
    repeat_days = forms.TypedChoiceField(
        label=_("Repeated within (days)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(n, str(n)) for n in REPEAT_WINDOWS],
    )

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        today = timezone.localdate()
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or max(today, start)
        if start < EARLIEST or end > LATEST:
            raise ValidationError(
                _("Choose days between %(first)s and %(last)s.")
                % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
            )
        if end < start:
            raise ValidationError(_("The end of the period is before its start."))
        if (end - start).days > MAX_PERIOD_DAYS:
            raise ValidationError(_("Choose a period of at most three years."))
        data["start"], data["end"] = start, end
        return data

    def report_filter(self) -> ReportFilter:
        data = self.cleaned_data
        granularity = data.get("granularity") or "day"
        if granularity not in GRANULARITIES:
            granularity = "day"
        return ReportFilter(
            start=data["start"],
            end=data["end"],
            organization_id=data["organization"].pk
            if data.get("organization")
            else None,
            team_id=data["team"].pk if data.get("team") else None,
            agent_id=data["agent"].pk if data.get("agent") else None,
            channel=data.get("channel") or None,
            priority=data.get("priority"),
            category_id=data["category"].pk if data.get("category") else None,
            granularity=granularity,
            repeat_days=data.get("repeat_days") or 7,
        )


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = ReportSchedule
        fields = [
            "name",
            "frequency",
            "organization",
            "recipients",
            "language",
            "attach_pdf",
            "attach_csv",
        ]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3})}

    def clean_recipients(self) -> str:
        value = self.cleaned_data["recipients"]
        probe = ReportSchedule(recipients=value)
        addresses = probe.recipient_list
        if not addresses:
            raise ValidationError(_("Enter at least one e-mail address."))
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(
                _("At most %(n)s recipients.") % {"n": MAX_RECIPIENTS}
            )
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                _("Not an e-mail address: %(list)s") % {"list": ", ".join(bad)}
            )
        return "\n".join(addresses)
