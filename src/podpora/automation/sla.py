"""SLA clocks of tickets: choosing the policy, keeping due times current, and
the sweep that fires warnings and breach actions exactly once.

Due times are absolute instants computed with the policy's business-hours
calendar, so reading them is a plain indexed query; only a change of the
ticket (hook) or a warning/breach (sweep) computes business time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.automation import business_hours
from podpora.automation.models import (
    BusinessCalendar,
    Clock,
    SlaPolicy,
    SlaTarget,
    TicketSla,
)
from podpora.core import config_cache
from podpora.tickets import hooks
from podpora.tickets.errors import TicketError
from podpora.tickets.hooks import TicketChange, dispatch
from podpora.tickets.models import EventKind, Priority, Status, Ticket, TicketEvent

log = logging.getLogger(__name__)

VIA = "sla"
# The clocks stop while the ticket waits on the customer and once it is resolved.
PAUSED_STATUSES = (Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED)
CLOCKS = (Clock.FIRST_RESPONSE, Clock.NEXT_RESPONSE, Clock.RESOLUTION)
BATCH = 50


# --- calendars and policies ------------------------------------------------------------


def _load_calendar(calendar: BusinessCalendar) -> business_hours.Calendar:
    closed = frozenset(calendar.closed_days.values_list("date", flat=True))
    return calendar.to_calendar(closed_days=closed)


def calendar_for(policy: SlaPolicy | None) -> business_hours.Calendar:
    """The policy's business hours (kept in memory until a calendar changes)."""
    if policy is None or policy.calendar_id is None:
        return business_hours.Calendar.always_open()
    return kept_calendar(policy.calendar)  # type: ignore[arg-type]


def kept_calendar(calendar: BusinessCalendar) -> business_hours.Calendar:
    """``calendar`` with its closed days, kept in memory until a calendar or
    a closed day changes (``config_cache``)."""
    return config_cache.cached(
        f"calendar:{calendar.pk}", lambda: _load_calendar(calendar)
    )


def _load_policies() -> dict[int, SlaPolicy]:
    policies = (
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related("organizations", "categories", "targets")
        .order_by("is_default", "position", "pk")
    )
    return {policy.pk: policy for policy in policies}


def _policies() -> list[SlaPolicy]:
    """Active policies in the order they are tried (kept in memory until a
    policy changes: every ticket change asks)."""
    return [
        p
        for p in config_cache.cached("sla-policies", _load_policies).values()
        if p.is_active
    ]


def policy_by_id(policy_id: int | None) -> SlaPolicy | None:
    """A policy with its calendar and targets loaded, active or not."""
    if policy_id is None:
        return None
    policies = config_cache.cached("sla-policies", _load_policies)
    return policies.get(policy_id) or (
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related("targets")
        .filter(pk=policy_id)
        .first()
    )


def policy_matches(policy: SlaPolicy, ticket: Ticket) -> bool:
    orgs = {o.pk for o in policy.organizations.all()}
    if orgs and ticket.organization_id not in orgs:
        return False
    categories = {c.pk for c in policy.categories.all()}
    if categories and ticket.category_id not in categories:
        return False
    if policy.priorities and ticket.priority not in [int(p) for p in policy.priorities]:
        return False
    return not policy.channels or ticket.channel in policy.channels


def select_policy(
    ticket: Ticket, policies: list[SlaPolicy] | None = None
) -> SlaPolicy | None:
    """The first active policy whose conditions hold, else the default one."""
    policies = _policies() if policies is None else policies
    for policy in policies:
        if not policy.is_default and policy_matches(policy, ticket):
            return policy
    return default_policy(policies)


def default_policy(policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The active policy marked default, if there is one."""
    policies = _policies() if policies is None else policies
    return next((p for p in policies if p.is_default), None)


def target_for(policy: SlaPolicy | None, priority: int) -> SlaTarget | None:
    if policy is None:
        return None
    return next((t for t in policy.targets.all() if t.priority == priority), None)


def _minutes(target: SlaTarget | None, clock: str) -> int | None:
    if target is None:
        return None
    value: int | None = getattr(target, f"{clock}_minutes")
    return value


# --- keeping the clocks current --------------------------------------------------------


def _share(policy: SlaPolicy | None) -> float:
    return (policy.warning_percent if policy else 80) / 100


def _is_pending(state: TicketSla, ticket: Ticket, clock: str) -> bool:
    if getattr(state, f"{clock}_due_at") is None:
        return False
    if clock == Clock.FIRST_RESPONSE:
        return ticket.first_response_at is None
    if clock == Clock.RESOLUTION:
        return ticket.status not in (Status.RESOLVED, Status.CLOSED)
    return True


def _schedule(state: TicketSla, ticket: Ticket) -> None:
    """Derive ``next_check_at`` and ``next_breach_at`` from the clocks."""
    checks: list[datetime] = []
    breaches: list[datetime] = []
    if state.paused_since is None:
        for clock in CLOCKS:
            if not _is_pending(state, ticket, clock):
                continue
            due = getattr(state, f"{clock}_due_at")
            warn = getattr(state, f"{clock}_warn_at")
            if not getattr(state, f"{clock}_breached"):
                breaches.append(due)
                if warn is not None and not getattr(state, f"{clock}_warning_sent"):
                    checks.append(warn)
                else:
                    checks.append(due)
    state.next_check_at = min(checks, default=None)
    state.next_breach_at = min(breaches, default=None)


def _set_clock(
    state: TicketSla,
    clock: str,
    calendar: business_hours.Calendar,
    start: datetime,
    minutes: int | None,
    *,
    already_paused: float = 0,
) -> None:
    """Start ``clock`` at ``start`` (``already_paused`` business seconds later)."""
    if minutes is None:
        setattr(state, f"{clock}_due_at", None)
        setattr(state, f"{clock}_warn_at", None)
        return
    seconds = minutes * 60
    share = _share(state.policy)
    setattr(
        state, f"{clock}_due_at", calendar.add_seconds(start, seconds + already_paused)
    )
    setattr(
        state,
        f"{clock}_warn_at",
        calendar.add_seconds(start, seconds * share + already_paused),
    )


def _apply_policy(state: TicketSla, ticket: Ticket, policy: SlaPolicy | None) -> None:
    """(Re)compute first-response and resolution due times from creation."""
    state.policy = policy
    calendar = calendar_for(policy)
    target = target_for(policy, ticket.priority)
    for clock in (Clock.FIRST_RESPONSE, Clock.RESOLUTION):
        if getattr(state, f"{clock}_breached"):
            continue  # a breach is history; a new policy does not undo it
        _set_clock(
            state,
            clock,
            calendar,
            ticket.created_at,
            _minutes(target, clock),
            already_paused=state.paused_seconds,
        )
    if state.next_response_due_at is not None and not state.next_response_breached:
        # Keep the running next-response clock but measure it by the new target.
        start = state.next_response_warn_at or state.next_response_due_at
        minutes = _minutes(target, Clock.NEXT_RESPONSE)
        if minutes is None:
            state.next_response_due_at = state.next_response_warn_at = None
        else:
            anchor = _next_response_anchor(ticket) or start
            _set_clock(state, Clock.NEXT_RESPONSE, calendar, anchor, minutes)


def _next_response_anchor(ticket: Ticket) -> datetime | None:
    return ticket.last_customer_activity_at


def _pause(state: TicketSla, now: datetime) -> None:
    if state.paused_since is None:
        state.paused_since = now


def _resume(state: TicketSla, now: datetime, calendar: business_hours.Calendar) -> None:
    """Push every running due time back by the business time spent paused."""
    if state.paused_since is None:
        return
    since = state.paused_since
    state.paused_seconds += max(0.0, calendar.seconds_between(since, now))
    for clock in CLOCKS:
        if getattr(state, f"{clock}_breached"):
            continue
        for kind in ("due", "warn"):
            name = f"{clock}_{kind}_at"
            old = getattr(state, name)
            if old is None or old <= since:
                continue
            left = calendar.seconds_between(since, old)
            setattr(state, name, calendar.add_seconds(now, left))
    state.paused_since = None


def _start(ticket: Ticket, now: datetime) -> TicketSla:
    state = TicketSla(ticket=ticket, updated_at=now)
    _apply_policy(state, ticket, select_policy(ticket))
    if ticket.status in PAUSED_STATUSES:
        _pause(state, now)
    _schedule(state, ticket)
    state.save()
    return state


def ensure_state(ticket: Ticket, *, now: datetime | None = None) -> TicketSla:
    """The ticket's SLA state, created (clocks started) if it has none yet."""
    state = TicketSla.objects.select_for_update().filter(ticket=ticket).first()
    if state is not None:
        return state
    return _start(ticket, now or timezone.now())


POLICY_FIELDS = {"priority", "organization", "category", "channel"}
_STATE = "sla_state"


def state_in_round(ticket: Ticket) -> TicketSla | None:
    """The clocks of ``ticket`` as the SLA hook left them in the round of hooks
    now running; None outside a round or if the hook has not seen the ticket."""
    state = hooks.scratch(ticket).get(_STATE)
    return state if isinstance(state, TicketSla) else None


def _locked_state(ticket: Ticket) -> TicketSla | None:
    state = (
        TicketSla.objects.select_for_update(of=("self",)).filter(ticket=ticket).first()
    )
    if state is not None:
        # The cached policy carries its calendar and targets.
        state.policy = policy_by_id(state.policy_id)
    return state


def on_ticket_change(change: TicketChange) -> None:
    """Keep the clocks of ``change.ticket`` current (called by automation.hooks)."""
    if change.action.startswith("sla_"):
        return
    now = timezone.now()
    # A rule acting in between may have changed the ticket: use the newest.
    ticket = hooks.latest(change.ticket)
    known = hooks.scratch(ticket)
    state = known.get(_STATE)
    if state is None and not hooks.opened_in_round(ticket):
        # A ticket opened in this round has no clocks yet unless a reaction
        # to its opening started them (and left them in the scratch).
        state = _locked_state(ticket)
    if state is None:
        known[_STATE] = _start(ticket, now)
        return
    assert isinstance(state, TicketSla)
    known[_STATE] = state
    before = _clocks(state)
    calendar = calendar_for(state.policy)
    if any(change.changed(f) for f in POLICY_FIELDS):
        _apply_policy(state, ticket, select_policy(ticket))
        calendar = calendar_for(state.policy)

    if change.action == "reply":
        # Any public reply answers the customer: the next-response clock stops.
        state.next_response_due_at = state.next_response_warn_at = None
        state.next_response_warning_sent = state.next_response_breached = False
    elif (
        change.action == "customer_message"
        and change.message is not None
        and not change.message.is_automatic
        and ticket.first_response_at is not None
        and state.next_response_due_at is None
    ):
        target = target_for(state.policy, ticket.priority)
        state.next_response_warning_sent = state.next_response_breached = False
        _set_clock(
            state,
            Clock.NEXT_RESPONSE,
            calendar,
            change.message.created_at,
            _minutes(target, Clock.NEXT_RESPONSE),
        )

    if ticket.status in PAUSED_STATUSES:
        _pause(state, now)
    else:
        _resume(state, now, calendar)
    _schedule(state, ticket)
    if _clocks(state) != before:
        state.updated_at = now
        state.save()


def _clocks(state: TicketSla) -> dict[str, object]:
    return {
        f.attname: getattr(state, f.attname)
        for f in TicketSla._meta.concrete_fields
        if f.attname != "updated_at"
    }


# --- what the desk shows ---------------------------------------------------------------


@dataclass(frozen=True)
class ClockStatus:
    clock: str
    label: str
    due_at: datetime | None
    remaining_seconds: float | None  # business seconds; negative once breached
    state: str  # "running", "at_risk", "breached", "met", "paused"


def clock_statuses(
    ticket: Ticket, state: TicketSla | None, *, now: datetime | None = None
) -> list[ClockStatus]:
    if state is None:
        return []
    now = now or timezone.now()
    calendar = calendar_for(state.policy)
    result = []
    for clock in CLOCKS:
        due = getattr(state, f"{clock}_due_at")
        if due is None:
            continue
        breached = getattr(state, f"{clock}_breached") or (
            _is_pending(state, ticket, clock)
            and state.paused_since is None
            and due <= now
        )
        remaining: float | None = None
        if not _is_pending(state, ticket, clock):
            status = "breached" if breached else "met"
        elif breached:
            status = "breached"
            remaining = -calendar.seconds_between(due, now)
        elif state.paused_since is not None:
            status = "paused"
            remaining = calendar.seconds_between(state.paused_since, due)
        else:
            remaining = calendar.seconds_between(now, due)
            warn = getattr(state, f"{clock}_warn_at")
            status = "at_risk" if warn is not None and warn <= now else "running"
        result.append(
            ClockStatus(clock, str(Clock(clock).label), due, remaining, status)
        )
    return result


# --- the sweep -------------------------------------------------------------------------


@dataclass
class SweepResult:
    evaluated: int = 0
    warnings: int = 0
    breaches: int = 0


def due_for_check(now: datetime) -> Any:
    """The states with a warning or breach due: an index range on next_check_at."""
    return TicketSla.objects.filter(next_check_at__lte=now)


def sweep(*, now: datetime | None = None, limit: int = 10_000) -> SweepResult:
    """Fire every warning and breach that is due, each exactly once.

    Safe to run in several processes at once: each firing is claimed by a
    compare-and-set UPDATE of its flag, and only the process whose UPDATE
    changed the row acts, in the same transaction as the claim. One run takes
    at most ``limit`` tickets, most urgent first; the next run takes the rest.
    """
    now = now or timezone.now()
    result = SweepResult()
    due = list(
        due_for_check(now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return result
    policies = {p.pk: p for p in _policies()}
    for start in range(0, len(due), BATCH):
        # One commit per batch (a savepoint per ticket): a commit costs far
        # more than the checks, and the row locks are held only briefly.
        with transaction.atomic():
            for pk in due[start : start + BATCH]:
                result.evaluated += 1
                try:
                    _check(pk, now, policies, result)
                except Exception:  # one broken ticket must not stop the sweep
                    log.exception("SLA check of state %s failed", pk)
    return result


def _claim(
    state: TicketSla, flag: str, due_field: str, due: datetime, also: dict[str, bool]
) -> bool:
    return (
        TicketSla.objects.filter(pk=state.pk, **{flag: False, due_field: due}).update(
            **{flag: True, **also}
        )
        == 1
    )


@transaction.atomic
def _check(
    pk: int, now: datetime, policies: dict[int, SlaPolicy], result: SweepResult
) -> None:
    state = TicketSla.objects.select_related("ticket__team__lead").get(pk=pk)
    ticket = state.ticket
    if state.next_check_at is None or state.next_check_at > now:
        return  # another sweep moved it on meanwhile
    policy = policies.get(state.policy_id or 0) or state.policy
    acted = False
    for clock in CLOCKS:
        if state.paused_since is not None or not _is_pending(state, ticket, clock):
            continue
        due = getattr(state, f"{clock}_due_at")
        warn = getattr(state, f"{clock}_warn_at")
        if not getattr(state, f"{clock}_breached") and due <= now:
            if _claim(
                state,
                f"{clock}_breached",
                f"{clock}_due_at",
                due,
                {f"{clock}_warning_sent": True},
            ):
                result.breaches += 1
                acted = True
                _breach(ticket, policy, clock, due, now)
        elif (
            warn is not None
            and not getattr(state, f"{clock}_warning_sent")
            and warn <= now
            and _claim(state, f"{clock}_warning_sent", f"{clock}_due_at", due, {})
        ):
            result.warnings += 1
            setattr(state, f"{clock}_warning_sent", True)
            _warn(ticket, policy, clock, due, now)
    if acted:
        # Breach actions went through the services and the hooks: read again.
        state = TicketSla.objects.get(pk=pk)
        ticket = Ticket.objects.get(pk=ticket.pk)
    _schedule(state, ticket)
    TicketSla.objects.filter(pk=pk).update(
        next_check_at=state.next_check_at, next_breach_at=state.next_breach_at
    )


def _people_to_tell(ticket: Ticket) -> list[int]:
    people = []
    if ticket.assignee_id:
        people.append(ticket.assignee_id)
    if (
        ticket.team is not None
        and ticket.team.lead_id
        and ticket.team.lead_id not in people
    ):
        people.append(ticket.team.lead_id)
    return people


def _announce(
    ticket: Ticket,
    clock: str,
    level: str,
    due: datetime,
    data: dict[str, Any],
    notify: list[int] | None = None,
) -> TicketEvent:
    """Record the warning or breach in history and hand it to the hooks as
    ``sla_warning`` / ``sla_breached`` (the notifications react to those)."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.SLA,
        field=clock,
        old_value=due.isoformat(),
        new_value=level,
        via=VIA,
        data={"notify": _people_to_tell(ticket) if notify is None else notify, **data},
        created_at=timezone.now(),
    )
    dispatch(
        TicketChange(ticket=ticket, action=f"sla_{level}", events=[event], via=VIA)
    )
    return event


def _warn(
    ticket: Ticket, policy: SlaPolicy | None, clock: str, due: datetime, now: datetime
) -> None:
    _announce(
        ticket,
        clock,
        "warning",
        due,
        {"percent": policy.warning_percent if policy else 80},
    )


def _breach(
    ticket: Ticket, policy: SlaPolicy | None, clock: str, due: datetime, now: datetime
) -> None:
    from podpora.tickets import services

    taken: list[str] = []
    # Those responsible when the target was missed, before an escalation moves it.
    notify = _people_to_tell(ticket)
    if policy is None or policy.breach_notify_lead:
        lead = ticket.team.lead if ticket.team is not None else None
        services.add_note(
            ticket,
            author=None,  # type: ignore[arg-type]
            body_text=_("SLA breached: %(clock)s was due at %(due)s.%(lead)s")
            % {
                "clock": Clock(clock).label,
                "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                "lead": (
                    " "
                    + _("Team lead %(name)s notified.") % {"name": lead.display_name}
                    if lead
                    else ""
                ),
            },
            mentions=[lead] if lead else [],
            via=VIA,
        )
        taken.append("notified_lead")
    if (
        policy is not None
        and policy.breach_raise_priority
        and ticket.priority < Priority.URGENT
    ):
        ticket = services.update_ticket(
            ticket, actor=None, priority=ticket.priority + 1, via=VIA
        )
        taken.append("raised_priority")
    if policy is not None and policy.breach_escalate:
        try:
            ticket = services.escalate(
                ticket,
                actor=None,
                note=_("Escalated automatically: the %(clock)s target was breached.")
                % {"clock": str(Clock(clock).label).lower()},
                via=VIA,
            )
            taken.append("escalated")
        except TicketError as error:
            taken.append(f"not_escalated:{error.code}")
    _announce(ticket, clock, "breached", due, {"actions": taken}, notify)


def at_risk(now: datetime) -> Q:
    """Tickets whose next breach is before ``now`` (for filters in queues)."""
    return Q(sla__next_breach_at__lte=now)


def iter_states(ids: list[int]) -> Iterator[TicketSla]:
    yield from TicketSla.objects.filter(ticket_id__in=ids)


# --- rebuilding ------------------------------------------------------------------------


def _stopped_at(ticket: Ticket, clock: str) -> datetime | None:
    """When the ticket's data says the clock stopped for good, if it did."""
    if clock == Clock.FIRST_RESPONSE:
        return ticket.first_response_at
    if clock == Clock.RESOLUTION:
        return ticket.resolved_at
    return None


def rebuild_states(*, batch: int = 2000, now: datetime | None = None) -> int:
    """Create the SLA state of every ticket that has none, from the tables.

    For data written without the hooks (imports, ``core.sample_data``): the
    clocks start at each ticket's creation; the first response counts as met
    when ``first_response_at`` is set; waiting and resolved tickets are paused
    from their last update. Warnings and breaches already in the past are
    recorded as done, not fired: nobody should be paged for last month.
    Returns how many states were created.
    """
    now = now or timezone.now()
    policies = _policies()
    created = 0
    while True:
        tickets = list(Ticket.objects.filter(sla__isnull=True).order_by("pk")[:batch])
        if not tickets:
            return created
        states = []
        for ticket in tickets:
            state = TicketSla(ticket=ticket, updated_at=now)
            _apply_policy(state, ticket, select_policy(ticket, policies))
            if ticket.status in PAUSED_STATUSES:
                _pause(state, ticket.updated_at)
            for clock in CLOCKS:
                due = getattr(state, f"{clock}_due_at")
                warn = getattr(state, f"{clock}_warn_at")
                if warn is not None and warn <= now:
                    setattr(state, f"{clock}_warning_sent", True)
                # A target met in time (answered, resolved) is not a breach.
                stopped = _stopped_at(ticket, clock)
                if due is not None and due <= now and not (stopped and stopped <= due):
                    setattr(state, f"{clock}_breached", True)
            _schedule(state, ticket)
            states.append(state)
        TicketSla.objects.bulk_create(states, ignore_conflicts=True)
        created += len(states)
