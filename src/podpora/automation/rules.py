"""Running rules: build a snapshot of the ticket, evaluate conditions (pure,
``automation.conditions``), and carry out actions through ``tickets.services``
with ``via="rule:<name>"`` so every step shows in the ticket's history.

Rules never loop: they react only to changes made directly by a person, the
mail intake or the scheduler (``TicketChange.depth == 0``). The changes their
own actions cause are dispatched one level deeper and are ignored here, while
the SLA clocks and auto-assignment still see them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from podpora.accounts.models import Team, Tier, User
from podpora.automation import conditions, sla
from podpora.automation.models import Rule, RuleFiring, Trigger
from podpora.core import config_cache
from podpora.core.outbox import enqueue_after_commit
from podpora.tickets import hooks
from podpora.tickets.errors import TicketError
from podpora.tickets.hooks import TicketChange
from podpora.tickets.models import (
    OPEN_STATUSES,
    Category,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)

log = logging.getLogger(__name__)

ACTION_TYPES: dict[str, Any] = {
    "set_team": gettext_lazy("Set team"),
    "set_assignee": gettext_lazy("Assign to"),
    "set_priority": gettext_lazy("Set priority"),
    "set_category": gettext_lazy("Set category"),
    "add_tags": gettext_lazy("Add tags"),
    "set_tier": gettext_lazy("Set support tier"),
    "add_note": gettext_lazy("Add internal note"),
    "send_email": gettext_lazy("Send e-mail to the requester"),
    "escalate": gettext_lazy("Escalate (hand-over note)"),
}

# Templates a rule may send; each is a subject/text triplet under
# automation/templates/automation/emails/, translated with gettext.
MAIL_TEMPLATES: dict[str, Any] = {
    "acknowledgement": gettext_lazy("Acknowledgement of the request"),
    "out_of_hours": gettext_lazy("Received outside business hours"),
    "still_working": gettext_lazy("We are still working on it"),
}

TRIGGER_OF_ACTION = {
    "opened": Trigger.CREATED,
    "customer_message": Trigger.CUSTOMER_REPLIED,
    "updated": Trigger.UPDATED,
    "escalated": Trigger.UPDATED,
    "reply": Trigger.UPDATED,
}


class ActionError(ValueError):
    pass


# --- snapshots ---------------------------------------------------------------------------


def snapshot_of(
    ticket: Ticket,
    *,
    message: Message | None = None,
    now: datetime | None = None,
    with_hours: bool = True,
    current: bool = False,
) -> conditions.Snapshot:
    """Everything conditions may look at, read once (a handful of queries).

    ``current``: ``ticket`` is the newest instance (as the ticket hooks hand
    it over), so it is used as it is instead of being read again.
    """
    if not current:
        ticket = (
            Ticket.objects.select_related(
                "requester", "organization", "team", "assignee", "category"
            )
            .prefetch_related("tags")
            .get(pk=ticket.pk)
        )
    if message is None:
        message = (
            ticket.messages.filter(kind=MessageKind.CUSTOMER)
            .order_by("-created_at", "-pk")
            .first()
        )
    return snapshot_from(
        ticket,
        body=message.body_text if message else "",
        # An agent's account of a phone call speaks for the caller: the
        # sender is the requester, not the agent who typed it.
        sender=message.author.email
        if message
        and message.author
        and not (message.data or {}).get("account_of_call")
        else "",
        mailbox=str((message.data or {}).get("mailbox", "")) if message else "",
        in_hours_at=(now or timezone.now()) if with_hours else None,
    )


def snapshot_from(
    ticket: Ticket,
    *,
    body: str,
    sender: str,
    mailbox: str,
    in_hours_at: datetime | None,
) -> conditions.Snapshot:
    """The snapshot of ``ticket`` (its requester, organisation, team,
    assignee, category and tags loaded) with its latest customer message's
    ``body``, ``sender`` (the requester when empty) and ``mailbox``; business
    hours are asked at ``in_hours_at`` (None: taken as open)."""
    in_hours = True
    if in_hours_at is not None:
        policy = sla.select_policy(ticket)
        in_hours = sla.calendar_for(policy).is_open_at(in_hours_at)
    labels: dict[tuple[str, str], str] = {
        ("priority", str(ticket.priority)): str(ticket.get_priority_display()),
        ("status", ticket.status): str(ticket.get_status_display()),
        ("channel", ticket.channel): str(ticket.get_channel_display()),
    }
    if ticket.organization:
        labels["organization", str(ticket.organization_id)] = ticket.organization.name
    if ticket.team:
        labels["team", str(ticket.team_id)] = ticket.team.name
    if ticket.assignee:
        labels["assignee", str(ticket.assignee_id)] = ticket.assignee.display_name
    if ticket.category:
        labels["category", str(ticket.category_id)] = ticket.category.name
    return conditions.Snapshot(
        subject=ticket.subject,
        body=body,
        sender_email=sender or ticket.requester.email,
        organization=str(ticket.organization_id or ""),
        channel=ticket.channel,
        mailbox=mailbox,
        priority=str(ticket.priority),
        category=str(ticket.category_id or ""),
        status=ticket.status,
        team=str(ticket.team_id or ""),
        assignee=str(ticket.assignee_id or ""),
        tags=frozenset(t.name for t in ticket.tags.all()),
        in_business_hours=in_hours,
        labels=labels,
    )


def _uses_hours(rules: Iterable[ActiveRule | Rule]) -> bool:
    return any(c.get("field") == "business_hours" for r in rules for c in r.conditions)


# --- validation --------------------------------------------------------------------------


def validate_action(action: Mapping[str, Any]) -> dict[str, str]:
    """A clean ``{"type", "value"}`` or :class:`ActionError`; ids are checked."""
    kind = str(action.get("type") or "")
    value = str(action.get("value") or "").strip()
    if kind not in ACTION_TYPES:
        raise ActionError(_("Unknown action: %(type)s") % {"type": kind})
    if (
        kind == "set_team"
        and not Team.objects.filter(pk=_int(value), is_active=True).exists()
    ):
        raise ActionError(_("Choose an active team."))
    if (
        kind == "set_assignee"
        and not User.objects.filter(pk=_int(value), is_active=True)
        .exclude(agent_role="")
        .exists()
    ):
        raise ActionError(_("Choose an active agent."))
    if kind == "set_category" and not Category.objects.filter(pk=_int(value)).exists():
        raise ActionError(_("Choose a category."))
    if kind == "set_priority" and _int(value) not in Priority.values:
        raise ActionError(_("Choose a priority."))
    if kind == "set_tier" and _int(value) not in Tier.values:
        raise ActionError(_("Choose a support tier."))
    if kind in {"add_tags", "add_note"} and not value:
        raise ActionError(_("The action needs a value."))
    if kind == "send_email" and value not in MAIL_TEMPLATES:
        raise ActionError(_("Choose an e-mail template."))
    return {"type": kind, "value": value}


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


# --- evaluation and actions --------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    matched: bool
    reasons: tuple[str, ...]


def test_rule(
    rule_conditions: Sequence[Mapping[str, Any]], match: str, ticket: Ticket
) -> TestResult:
    """Would these conditions match ``ticket`` now? (The editor's test button.)"""
    snapshot = snapshot_of(
        ticket,
        with_hours=any(c.get("field") == "business_hours" for c in rule_conditions),
    )
    outcome = conditions.evaluate(rule_conditions, snapshot, match=match)
    return TestResult(outcome.matched, outcome.reasons)


@dataclass(frozen=True)
class ActiveRule:
    """A :class:`Rule` as the configuration cache keeps it: plain, frozen
    data shared by every thread of a process (conditions and actions are
    read-only mappings)."""

    pk: int
    name: str
    trigger: str
    match: str
    conditions: tuple[Mapping[str, Any], ...]
    actions: tuple[Mapping[str, Any], ...]
    stop_processing: bool
    idle_hours: Decimal | None
    via: str

    @classmethod
    def of(cls, rule: Rule) -> ActiveRule:
        return cls(
            pk=rule.pk,
            name=rule.name,
            trigger=rule.trigger,
            match=rule.match,
            conditions=config_cache.freeze(rule.conditions or ()),
            actions=config_cache.freeze(rule.actions or ()),
            stop_processing=rule.stop_processing,
            idle_hours=rule.idle_hours,
            via=rule.via,
        )


def _all_active_rules() -> Mapping[str, tuple[ActiveRule, ...]]:
    by_trigger: dict[str, list[ActiveRule]] = {}
    for rule in Rule.objects.filter(is_active=True).order_by("position", "pk"):
        by_trigger.setdefault(rule.trigger, []).append(ActiveRule.of(rule))
    return MappingProxyType({k: tuple(v) for k, v in by_trigger.items()})


def active_rules(trigger: str) -> tuple[ActiveRule, ...]:
    """The active rules of ``trigger`` in order (kept in memory until any
    rule changes: every ticket change asks)."""
    return config_cache.cached("rules", _all_active_rules).get(trigger, ())


def on_ticket_change(change: TicketChange) -> None:
    if change.depth > 0:
        return  # a reaction to a change, e.g. one of our own actions
    trigger = TRIGGER_OF_ACTION.get(change.action)
    if trigger is None:
        return
    if (
        change.action == "customer_message"
        and change.message is not None
        and change.message.is_automatic
    ):
        return
    rules = active_rules(trigger)
    if not rules:
        return
    ticket = hooks.latest(change.ticket)
    snapshot = snapshot_of(
        ticket,
        message=change.message
        if change.message and change.message.kind == MessageKind.CUSTOMER
        else None,
        with_hours=_uses_hours(rules),
        current=True,
    )
    run_rules(ticket, rules, snapshot)


def run_rules(
    ticket: Ticket, rules: Sequence[ActiveRule], snapshot: conditions.Snapshot
) -> list[ActiveRule]:
    """Try ``rules`` in order on one snapshot; returns those that fired."""
    fired = []
    for rule in rules:
        try:
            outcome = conditions.evaluate(rule.conditions, snapshot, match=rule.match)
        except conditions.ConditionError:
            log.warning("rule %s has a broken condition", rule.pk)
            continue
        if not outcome.matched:
            continue
        fired.append(rule)
        apply_actions(rule, ticket, outcome.reasons)
        if rule.stop_processing:
            break
    return fired


def apply_actions(
    rule: ActiveRule | Rule, ticket: Ticket, reasons: Sequence[str] = ()
) -> list[str]:
    """Carry out ``rule``'s actions on ``ticket``; returns what was done."""
    from podpora.tickets import services

    via = rule.via
    done: list[str] = []
    skipped: list[str] = []
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.RULE,
        field="matched",
        new_value=rule.name,
        via=via,
        data={"rule": rule.pk, "reasons": list(reasons)},
        created_at=timezone.now(),
    )
    updates: dict[str, Any] = {}
    tags: list[str] = []
    later: list[dict[str, str]] = []
    for action in rule.actions:
        kind, value = str(action.get("type")), str(action.get("value") or "")
        if kind == "set_team":
            team = Team.objects.filter(pk=_int(value), is_active=True).first()
            if team is None:
                skipped.append(kind)
            else:
                updates["team"] = team
        elif kind == "set_assignee":
            agent = (
                User.objects.filter(pk=_int(value), is_active=True)
                .exclude(agent_role="")
                .first()
            )
            if agent is None:
                skipped.append(kind)
            else:
                updates["assignee"] = agent
        elif kind == "set_category":
            category = Category.objects.filter(pk=_int(value)).first()
            if category is None:
                skipped.append(kind)
            else:
                updates["category"] = category
        elif kind == "set_priority" and _int(value) in Priority.values:
            updates["priority"] = _int(value)
        elif kind == "set_tier" and _int(value) in Tier.values:
            updates["tier"] = _int(value)
        elif kind == "add_tags":
            tags += conditions.values_of(value)
        elif kind in {"add_note", "send_email", "escalate"}:
            later.append({"type": kind, "value": value})
        else:
            skipped.append(kind)
    if tags:
        current = list(
            Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)
        )
        updates["tags"] = [*current, *tags]
    if updates:
        try:
            ticket = services.update_ticket(ticket, actor=None, via=via, **updates)
            done += sorted(updates)
        except TicketError as error:
            skipped.append(f"update:{error.code}")
    for action in later:
        try:
            if action["type"] == "add_note":
                services.add_note(
                    ticket,
                    author=None,  # type: ignore[arg-type]
                    body_text=action["value"],
                    via=via,
                )
            elif action["type"] == "escalate":
                ticket = services.escalate(
                    ticket,
                    actor=None,
                    note=action["value"]
                    or _("Escalated by rule “%(name)s”.") % {"name": rule.name},
                    via=via,
                )
            else:
                _send_mail_later(ticket, action["value"], via)
            done.append(action["type"])
        except TicketError as error:
            skipped.append(f"{action['type']}:{error.code}")
    if skipped:
        log.info("rule %s skipped %s on ticket %s", rule.pk, skipped, ticket.pk)
    return done


def _send_mail_later(ticket: Ticket, template: str, via: str) -> None:
    from podpora.automation.tasks import send_ticket_mail

    if template not in MAIL_TEMPLATES:
        raise ActionError(template)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.NOTIFIED,
        field="email",
        new_value=template,
        via=via,
        created_at=timezone.now(),
    )
    ticket_id = ticket.pk
    enqueue_after_commit(send_ticket_mail, ticket_id, template)


# --- time-based rules --------------------------------------------------------------------


def run_time_rules(*, now: datetime | None = None) -> int:
    """Fire each "N business hours without a reply" rule once per silence.

    A silence starts at the customer's last message that no agent activity
    followed; the (rule, ticket, start) key is inserted before acting, so a
    second sweep finds it taken.
    """
    now = now or timezone.now()
    fired = 0
    for rule in active_rules(Trigger.TIME):
        if not rule.idle_hours:
            continue
        idle_seconds = float(rule.idle_hours) * 3600
        # Business time never runs faster than the wall clock, so this bound
        # keeps the candidates to tickets silent for at least that long.
        candidates = (
            Ticket.objects.filter(
                status__in=[s for s in OPEN_STATUSES if s != Status.WAITING_CUSTOMER],
                last_customer_activity_at__lte=now - timedelta(seconds=idle_seconds),
            )
            .filter(
                Q(last_agent_activity_at__isnull=True)
                | Q(last_agent_activity_at__lt=F("last_customer_activity_at"))
            )
            .exclude(
                pk__in=RuleFiring.objects.filter(
                    rule_id=rule.pk, anchor=F("ticket__last_customer_activity_at")
                ).values("ticket_id")
            )
            .order_by("last_customer_activity_at")[:1000]
        )
        for ticket in candidates:
            anchor = ticket.last_customer_activity_at
            assert anchor is not None
            policy = sla.select_policy(ticket)
            calendar = sla.calendar_for(policy)
            if calendar.seconds_between(anchor, now) < idle_seconds:
                continue
            snapshot = snapshot_of(ticket, now=now, with_hours=_uses_hours([rule]))
            outcome = conditions.evaluate(rule.conditions, snapshot, match=rule.match)
            if not outcome.matched:
                continue
            try:
                with transaction.atomic():
                    RuleFiring.objects.create(
                        rule_id=rule.pk, ticket=ticket, anchor=anchor, fired_at=now
                    )
                    apply_actions(rule, ticket, outcome.reasons)
            except IntegrityError:
                continue  # another scheduler fired it first
            fired += 1
    return fired
