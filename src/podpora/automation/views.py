"""Rule editor pages (``Right.MANAGE_AUTOMATION``): parse, check, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from podpora.accounts.models import Team
from podpora.accounts.permissions import Right, can
from podpora.automation import (
    assignment,
    business_hours,
    rules,
    selectors,
    simulation,
)
from podpora.automation.forms import (
    FIELD_LABELS,
    OP_LABELS,
    ActionForm,
    ActionFormSet,
    CalendarForm,
    ConditionForm,
    ConditionFormSet,
    PolicyForm,
    RuleForm,
    RuleTestForm,
    TargetFormSet,
    TeamAssignmentForm,
)
from podpora.automation.models import (
    BusinessCalendar,
    Rule,
    SlaPolicy,
    SlaTarget,
    TeamSettings,
)
from podpora.core import config_cache
from podpora.tickets.models import Priority
from podpora.tickets.selectors import visible_to


def _require_manager(request: HttpRequest) -> None:
    user = request.user
    if not user.is_agent:  # type: ignore[union-attr]
        raise Http404
    if not can(user, Right.MANAGE_AUTOMATION):  # type: ignore[arg-type]
        raise PermissionDenied


def _describe(rule: Rule) -> dict[str, Any]:
    return {
        "rule": rule,
        "conditions": [
            {
                "field": FIELD_LABELS.get(c.get("field"), c.get("field")),
                "op": OP_LABELS.get(c.get("op"), c.get("op")),
                "value": ConditionForm.initial_from(c)["value"],
            }
            for c in rule.conditions
        ],
        "actions": [
            rules.ACTION_TYPES.get(a.get("type"), a.get("type")) for a in rule.actions
        ],
    }


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    items = [_describe(rule) for rule in selectors.rules_in_order()]
    return render(request, "automation/rule_list.html", {"items": items})


def _formsets(request: HttpRequest, rule: Rule | None) -> tuple[Any, Any, Any]:
    if request.method == "POST":
        return (
            RuleForm(request.POST, instance=rule),
            ConditionFormSet(request.POST, prefix="c"),
            ActionFormSet(request.POST, prefix="a"),
        )
    return (
        RuleForm(instance=rule),
        ConditionFormSet(
            prefix="c",
            initial=[
                ConditionForm.initial_from(c) for c in (rule.conditions if rule else [])
            ],
        ),
        ActionFormSet(
            prefix="a",
            initial=[
                ActionForm.initial_from(a) for a in (rule.actions if rule else [])
            ],
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request)
    rule = get_object_or_404(Rule, pk=pk) if pk is not None else None
    form, condition_forms, action_forms = _formsets(request, rule)
    if request.method == "POST" and all(
        f.is_valid() for f in (form, condition_forms, action_forms)
    ):
        with transaction.atomic():
            saved: Rule = form.save(commit=False)
            saved.conditions = [c for f in condition_forms if (c := f.as_condition())]
            saved.actions = [
                f.cleaned_data["action"]
                for f in action_forms
                if f.cleaned_data.get("action")
            ]
            saved.updated_at = timezone.now()
            if saved.pk is None:
                saved.created_by = request.user  # type: ignore[assignment]
            saved.save()
        messages.success(
            request, _("The rule “%(name)s” was saved.") % {"name": saved.name}
        )
        return redirect("automation:rules")
    return render(
        request,
        "automation/rule_form.html",
        {
            "rule": rule,
            "form": form,
            "condition_forms": condition_forms,
            "action_forms": action_forms,
            "test_form": RuleTestForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def rule_test(request: HttpRequest) -> HttpResponse:
    """Would the conditions in the editor (saved or not) match a ticket?"""
    _require_manager(request)
    condition_forms = ConditionFormSet(request.POST, prefix="c")
    test_form = RuleTestForm(request.POST)
    context: dict[str, Any] = {"test_form": test_form}
    if not test_form.is_valid() or not condition_forms.is_valid():
        context["errors"] = [
            *[e for errors in test_form.errors.values() for e in errors],
            *[e for f in condition_forms for e in f.non_field_errors()],
        ]
        return render(
            request, "automation/partials/rule_test.html", context, status=400
        )
    ticket = (
        visible_to(request.user)  # type: ignore[arg-type]
        .filter(number=test_form.cleaned_data["ticket_number"])
        .first()
    )
    if ticket is None:
        context["errors"] = [_("No ticket with that number.")]
        return render(
            request, "automation/partials/rule_test.html", context, status=404
        )
    found = [c for f in condition_forms if (c := f.as_condition())]
    result = rules.test_rule(found, request.POST.get("match", "all"), ticket)
    context.update({"ticket": ticket, "result": result})
    return render(request, "automation/partials/rule_test.html", context)


@login_required
@require_POST
def rule_simulate(request: HttpRequest) -> HttpResponse:
    """Which of the last days' tickets would the conditions in the editor
    (saved or not) have matched, and why? Reads only."""
    _require_manager(request)
    condition_forms = ConditionFormSet(request.POST, prefix="c")
    if not condition_forms.is_valid():
        errors = [e for f in condition_forms for e in f.non_field_errors()]
        errors += [e for f in condition_forms for e in f.errors.get("value", [])]
        return render(
            request,
            "automation/partials/rule_simulation.html",
            {"errors": errors or [_("Correct the conditions first.")]},
            status=400,
        )
    found = [c for f in condition_forms if (c := f.as_condition())]
    result = simulation.simulate(
        found,
        request.POST.get("match", "all"),
        visible_to(request.user),  # type: ignore[arg-type]
    )
    return render(
        request, "automation/partials/rule_simulation.html", {"simulation": result}
    )


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    _require_manager(request)
    with transaction.atomic():
        ordered = list(Rule.objects.select_for_update().order_by("position", "pk"))
        index = next((i for i, r in enumerate(ordered) if r.pk == pk), None)
        if index is None:
            raise Http404
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, rule in enumerate(ordered, start=1):
            if rule.position != position * 10:
                Rule.objects.filter(pk=rule.pk).update(position=position * 10)
                config_cache.changed()
    return redirect("automation:rules")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    rule = get_object_or_404(Rule, pk=pk)
    name = rule.name
    rule.delete()
    messages.success(request, _("The rule “%(name)s” was deleted.") % {"name": name})
    return redirect("automation:rules")


# --- SLA policies, calendars and team settings -----------------------------------------


@login_required
def sla_overview(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    policies = (
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related("targets", "organizations", "categories")
        .order_by("is_default", "position", "pk")
    )
    teams = list(
        Team.objects.filter(is_active=True)
        .select_related("automation")
        .order_by("tier", "name")
    )
    unstaffed = assignment.assigning_to_nobody(t.pk for t in teams)
    team_rows = []
    for team in teams:
        try:
            mode = team.automation.assignment  # type: ignore[attr-defined]
        except TeamSettings.DoesNotExist:
            mode = ""
        team_rows.append(
            {
                "team": team,
                "form": TeamAssignmentForm(
                    initial={"assignment": mode}, prefix=f"t{team.pk}"
                ),
                "nobody_available": team.pk in unstaffed,
            }
        )
    return render(
        request,
        "automation/sla_overview.html",
        {
            "policies": policies,
            "calendars": BusinessCalendar.objects.prefetch_related("closed_days"),
            "team_rows": team_rows,
            "priorities": dict(Priority.choices),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request)
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk is not None else None
    existing = {t.priority: t for t in policy.targets.all()} if policy else {}
    initial = [
        {
            "priority": value,
            "first_response_minutes": getattr(
                existing.get(value), "first_response_minutes", None
            ),
            "next_response_minutes": getattr(
                existing.get(value), "next_response_minutes", None
            ),
            "resolution_minutes": getattr(
                existing.get(value), "resolution_minutes", None
            ),
        }
        for value in sorted(Priority.values, reverse=True)
    ]
    if request.method == "POST":
        form = PolicyForm(request.POST, instance=policy)
        targets = TargetFormSet(request.POST, prefix="t", initial=initial)
        if form.is_valid() and targets.is_valid():
            with transaction.atomic():
                saved = form.save()
                if saved.is_default:
                    SlaPolicy.objects.exclude(pk=saved.pk).update(is_default=False)
                for row in targets:
                    data = row.cleaned_data
                    SlaTarget.objects.update_or_create(
                        policy=saved,
                        priority=data["priority"],
                        defaults={
                            k: data.get(k)
                            for k in (
                                "first_response_minutes",
                                "next_response_minutes",
                                "resolution_minutes",
                            )
                        },
                    )
            messages.success(
                request,
                _("The SLA policy “%(name)s” was saved.") % {"name": saved.name},
            )
            return redirect("automation:sla")
    else:
        form = PolicyForm(instance=policy)
        targets = TargetFormSet(prefix="t", initial=initial)
    return render(
        request,
        "automation/policy_form.html",
        {"policy": policy, "form": form, "targets": targets},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request)
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk is not None else None
    form = CalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(
            request, _("The calendar “%(name)s” was saved.") % {"name": saved.name}
        )
        return redirect("automation:sla")
    holidays: dict[Any, str] = {}
    if calendar is not None and calendar.country:
        year = timezone.localdate().year
        holidays = business_hours.holiday_names(
            calendar.country, year, calendar.subdivision
        )
    return render(
        request,
        "automation/calendar_form.html",
        {"calendar": calendar, "form": form, "holidays": holidays},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def team_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    team = get_object_or_404(Team, pk=pk)
    form = TeamAssignmentForm(request.POST, prefix=f"t{team.pk}")
    if form.is_valid():
        TeamSettings.objects.update_or_create(
            team=team, defaults={"assignment": form.cleaned_data["assignment"]}
        )
        messages.success(
            request, _("Auto-assignment of %(team)s was saved.") % {"team": team.name}
        )
        if warning := assignment.nobody_available_warning(team):
            messages.warning(request, warning)
    return redirect("automation:sla")
