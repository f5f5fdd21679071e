"""The rule editor: a rule form with condition and action rows.

People type names ("Accounting support", "high", "kowalski.pl"); the rows
store ids so renaming a team does not break a rule.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from podpora.accounts.models import Organization, Team, Tier, User
from podpora.automation import business_hours, conditions, rules
from podpora.automation.models import (
    AssignmentMode,
    BusinessCalendar,
    ClosedDay,
    Rule,
    SlaPolicy,
    Trigger,
)
from podpora.core import config_cache
from podpora.tickets.models import Category, Channel, Priority, Status

FIELD_LABELS = {
    "subject": gettext_lazy("Subject"),
    "body": gettext_lazy("Body"),
    "subject_or_body": gettext_lazy("Subject or body"),
    "sender_email": gettext_lazy("Sender"),
    "organization": gettext_lazy("Organisation"),
    "channel": gettext_lazy("Channel"),
    "mailbox": gettext_lazy("Mailbox"),
    "priority": gettext_lazy("Priority"),
    "category": gettext_lazy("Category"),
    "status": gettext_lazy("Status"),
    "team": gettext_lazy("Team"),
    "assignee": gettext_lazy("Assignee"),
    "tags": gettext_lazy("Tags"),
    "business_hours": gettext_lazy("Business hours"),
}
OP_LABELS = {
    "contains": gettext_lazy("contains any of"),
    "not_contains": gettext_lazy("contains none of"),
    "regex": gettext_lazy("matches the pattern"),
    "is": gettext_lazy("is"),
    "is_not": gettext_lazy("is not"),
    "domain_is": gettext_lazy("domain is"),
    "has": gettext_lazy("has any of"),
    "has_not": gettext_lazy("has none of"),
    "is_open": gettext_lazy("open now"),
    "is_closed": gettext_lazy("closed now"),
}


def _choices_by_name(field: str) -> dict[str, str]:
    """Folded display name (and id/code) → stored value, for one choice field."""
    pairs: list[tuple[str, str]] = []
    if field == "team":
        pairs = [(t.name, str(t.pk)) for t in Team.objects.all()]
    elif field == "organization":
        pairs = [(o.name, str(o.pk)) for o in Organization.objects.all()]
    elif field == "category":
        pairs = [(c.name, str(c.pk)) for c in Category.objects.all()]
    elif field == "assignee":
        for user in User.objects.exclude(agent_role=""):
            pairs += [(user.email, str(user.pk)), (user.display_name, str(user.pk))]
    elif field == "priority":
        pairs = [(str(label), str(value)) for value, label in Priority.choices]
    elif field == "status":
        pairs = [(str(label), value) for value, label in Status.choices]
    elif field == "channel":
        pairs = [(str(label), value) for value, label in Channel.choices]
    names = {conditions.fold(name): value for name, value in pairs}
    names.update({conditions.fold(value): value for _, value in pairs})
    return names


def _display_of(field: str) -> dict[str, str]:
    if field == "team":
        return {str(t.pk): t.name for t in Team.objects.all()}
    if field == "organization":
        return {str(o.pk): o.name for o in Organization.objects.all()}
    if field == "category":
        return {str(c.pk): c.name for c in Category.objects.all()}
    if field == "assignee":
        return {str(u.pk): u.email for u in User.objects.exclude(agent_role="")}
    if field == "priority":
        return {str(v): str(label) for v, label in Priority.choices}
    if field == "status":
        return {v: str(label) for v, label in Status.choices}
    if field == "channel":
        return {v: str(label) for v, label in Channel.choices}
    return {}


class ConditionForm(forms.Form):
    field = forms.ChoiceField(
        label=gettext_lazy("Field"),
        choices=[("", "—"), *FIELD_LABELS.items()],
        required=False,
    )
    op = forms.ChoiceField(
        label=gettext_lazy("Operator"), choices=list(OP_LABELS.items()), required=False
    )
    value = forms.CharField(
        label=gettext_lazy("Value"), required=False, max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field = data.get("field")
        if not field:
            return data
        value = (data.get("value") or "").strip()
        if field in conditions.CHOICE_FIELDS and field != "mailbox":
            names = _choices_by_name(field)
            stored = []
            for item in conditions.values_of(value):
                key = conditions.fold(item)
                if key not in names:
                    raise forms.ValidationError(
                        _("“%(value)s” is not a known %(field)s.")
                        % {"value": item, "field": FIELD_LABELS[field]}
                    )
                stored.append(names[key])
            data["stored"] = stored
        else:
            data["stored"] = value
        try:
            conditions.validate(
                {"field": field, "op": data.get("op"), "value": data["stored"]}
            )
        except conditions.ConditionError as error:
            raise forms.ValidationError(str(error)) from error
        return data

    def as_condition(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("field"):
            return None
        return {"field": data["field"], "op": data["op"], "value": data["stored"]}

    @staticmethod
    def initial_from(condition: dict[str, Any]) -> dict[str, str]:
        field, value = condition.get("field", ""), condition.get("value", "")
        if isinstance(value, list):
            display = _display_of(field)
            value = ", ".join(display.get(str(v), str(v)) for v in value)
        return {"field": field, "op": condition.get("op", ""), "value": str(value)}


def _action_targets() -> list[tuple[str, Any]]:
    groups: list[tuple[str, Any]] = [("", "—")]
    groups.append(
        (
            str(_("Team")),
            [(f"team:{t.pk}", t.name) for t in Team.objects.filter(is_active=True)],
        )
    )
    groups.append(
        (
            str(_("Agent")),
            [
                (f"agent:{u.pk}", u.display_name)
                for u in User.objects.filter(is_active=True)
                .exclude(agent_role="")
                .order_by("full_name")
            ],
        )
    )
    groups.append(
        (
            str(_("Priority")),
            [(f"priority:{v}", label) for v, label in Priority.choices],
        )
    )
    groups.append(
        (
            str(_("Category")),
            [(f"category:{c.pk}", c.name) for c in Category.objects.all()],
        )
    )
    groups.append(
        (str(_("Support tier")), [(f"tier:{v}", label) for v, label in Tier.choices])
    )
    groups.append(
        (
            str(_("E-mail template")),
            [(f"template:{k}", v) for k, v in rules.MAIL_TEMPLATES.items()],
        )
    )
    return groups


TARGET_PREFIX = {
    "set_team": "team",
    "set_assignee": "agent",
    "set_priority": "priority",
    "set_category": "category",
    "set_tier": "tier",
    "send_email": "template",
}


class ActionForm(forms.Form):
    type = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[("", "—"), *rules.ACTION_TYPES.items()],
        required=False,
    )
    target = forms.ChoiceField(label=gettext_lazy("Choice"), required=False)
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target: forms.ChoiceField = self.fields["target"]  # type: ignore[assignment]
        target.choices = _action_targets()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        if not kind:
            return data
        prefix = TARGET_PREFIX.get(kind)
        if prefix:
            target = data.get("target") or ""
            if not target.startswith(prefix + ":"):
                raise forms.ValidationError(_("Choose what the action sets."))
            value = target.split(":", 1)[1]
        else:
            value = (data.get("text") or "").strip()
        try:
            data["action"] = rules.validate_action({"type": kind, "value": value})
        except rules.ActionError as error:
            raise forms.ValidationError(str(error)) from error
        return data

    @staticmethod
    def initial_from(action: dict[str, Any]) -> dict[str, str]:
        kind, value = action.get("type", ""), str(action.get("value", ""))
        prefix = TARGET_PREFIX.get(kind)
        if prefix:
            return {"type": kind, "target": f"{prefix}:{value}"}
        return {"type": kind, "text": value}


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, max_num=30)
ActionFormSet = forms.formset_factory(ActionForm, extra=2, max_num=30)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = [
            "name",
            "is_active",
            "position",
            "trigger",
            "idle_hours",
            "match",
            "stop_processing",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("trigger") == Trigger.TIME and not data.get("idle_hours"):
            self.add_error("idle_hours", _("Say after how many business hours."))
        idle = data.get("idle_hours")
        if idle is not None and idle <= 0:
            self.add_error("idle_hours", _("Must be more than zero."))
        return data


class RuleTestForm(forms.Form):
    ticket_number = forms.CharField(label=gettext_lazy("Ticket number"), max_length=20)

    def clean_ticket_number(self) -> int:
        text = self.cleaned_data["ticket_number"].strip().lstrip("#")
        if not text.isdigit():
            raise forms.ValidationError(_("Enter a ticket number such as 10042."))
        return int(text)


# --- SLA policies, calendars, teams ----------------------------------------------------

WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


class PolicyForm(forms.ModelForm):
    priorities = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Priorities"),
        choices=Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every priority."),
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every channel."),
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "is_active",
            "is_default",
            "calendar",
            "organizations",
            "categories",
            "priorities",
            "channels",
            "warning_percent",
            "breach_notify_lead",
            "breach_raise_priority",
            "breach_escalate",
        ]
        widgets = {
            "organizations": forms.SelectMultiple(attrs={"size": 6}),
            "categories": forms.SelectMultiple(attrs={"size": 6}),
        }


class TargetForm(forms.Form):
    priority = forms.TypedChoiceField(
        choices=Priority.choices, coerce=int, widget=forms.HiddenInput
    )
    first_response_minutes = forms.IntegerField(
        label=gettext_lazy("First response (minutes)"), min_value=1, required=False
    )
    next_response_minutes = forms.IntegerField(
        label=gettext_lazy("Next response (minutes)"), min_value=1, required=False
    )
    resolution_minutes = forms.IntegerField(
        label=gettext_lazy("Resolution (minutes)"), min_value=1, required=False
    )

    def priority_label(self) -> str:
        value = self.initial.get("priority") or self.data.get(
            self.add_prefix("priority")
        )
        try:
            return str(Priority(int(str(value))).label)
        except (TypeError, ValueError):
            return ""


TargetFormSet = forms.formset_factory(
    TargetForm, extra=0, max_num=len(Priority.choices)
)


def _countries() -> list[tuple[str, str]]:
    return [
        ("", "—"),
        *((code, code) for code in sorted(business_hours.supported_countries())),
    ]


class CalendarForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    country = forms.ChoiceField(
        label=gettext_lazy("Public holidays of"), required=False
    )
    closed = forms.CharField(
        label=gettext_lazy("Extra closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-12-31 Sylwester"}),
        help_text=gettext_lazy(
            "One per line: a date (YYYY-MM-DD) and an optional reason."
        ),
    )

    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone", "country", "subdivision"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tz: forms.ChoiceField = self.fields["time_zone"]  # type: ignore[assignment]
        tz.choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        country: forms.ChoiceField = self.fields["country"]  # type: ignore[assignment]
        country.choices = _countries()
        hours = (self.instance.weekly_hours or {}) if self.instance.pk else {}
        for day, label in enumerate(WEEKDAYS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label,
                required=False,
                initial=hours.get(str(day), "")
                if self.instance.pk
                else ("8:00-16:00" if day < 5 else ""),
                help_text=gettext_lazy("e.g. 8:00-12:00, 13:00-17:00; empty: closed")
                if day == 0
                else "",
            )
        if self.instance.pk:
            self.fields["closed"].initial = "\n".join(
                f"{d.date.isoformat()} {d.name}".strip()
                for d in self.instance.closed_days.all()
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weekly: dict[str, str] = {}
        for day in range(7):
            text = (data.get(f"day_{day}") or "").strip()
            if not text:
                continue
            try:
                weekly[str(day)] = business_hours.format_hours(
                    business_hours.parse_hours(text)
                )
            except ValueError as error:
                self.add_error(f"day_{day}", str(error))
        if not weekly and not self.errors:
            raise forms.ValidationError(_("Open the calendar on at least one day."))
        data["weekly"] = weekly
        closed: list[tuple[date, str]] = []
        for line in (data.get("closed") or "").splitlines():
            if not line.strip():
                continue
            day_text, _space, reason = line.strip().partition(" ")
            try:
                closed.append((date.fromisoformat(day_text), reason.strip()[:120]))
            except ValueError:
                self.add_error(
                    "closed",
                    _("“%(line)s” does not start with a date like 2026-12-31.")
                    % {"line": line.strip()},
                )
        data["closed_days"] = closed
        return data

    def save(self, commit: bool = True) -> BusinessCalendar:
        calendar: BusinessCalendar = super().save(commit=False)
        calendar.weekly_hours = self.cleaned_data["weekly"]
        calendar.save()
        calendar.closed_days.all().delete()
        ClosedDay.objects.bulk_create(
            [
                ClosedDay(calendar=calendar, date=d, name=n)
                for d, n in dict(self.cleaned_data["closed_days"]).items()
            ]
        )
        config_cache.changed()  # bulk_create sends no signal
        return calendar


class TeamAssignmentForm(forms.Form):
    assignment = forms.ChoiceField(
        label=gettext_lazy("Auto-assignment"),
        choices=AssignmentMode.choices,
        required=False,
    )
