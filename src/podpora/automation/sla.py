"""SLA clocks of tickets: choosing the policy, keeping due times current, and
the sweep that fires warnings and breach actions exactly once.

Due times are absolute instants computed with the policy's business-hours
calendar, so reading them is a plain indexed query; only a change of the
ticket (hook) or a warning/breach (sweep) computes business time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from podpora.automation import business_hours
from podpora.automation.models import (
    CLOCK_COLUMNS,
    BusinessCalendar,
    Clock,
    ClockTimes,
    SlaPolicy,
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


@dataclass(frozen=True)
class Target:
    """An :class:`SlaTarget` as the clocks read it: plain, frozen data."""

    priority: int
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None

    def minutes_for(self, clock: Clock) -> int | None:
        """The target of ``clock`` in business minutes (None: no target)."""
        match clock:
            case Clock.FIRST_RESPONSE:
                return self.first_response_minutes
            case Clock.NEXT_RESPONSE:
                return self.next_response_minutes
            case Clock.RESOLUTION:
                return self.resolution_minutes
        raise ValueError(clock)


@dataclass(frozen=True)
class Policy:
    """An :class:`SlaPolicy` with its conditions, targets and business hours,
    as the configuration cache keeps it: plain, frozen data that every thread
    of a process shares and none can change."""

    pk: int
    name: str
    is_active: bool
    is_default: bool
    calendar: business_hours.Calendar | None
    organization_ids: frozenset[int]
    category_ids: frozenset[int]
    priorities: frozenset[int]
    channels: frozenset[str]
    warning_percent: int
    breach_notify_lead: bool
    breach_raise_priority: bool
    breach_escalate: bool
    targets: tuple[Target, ...]

    @property
    def id(self) -> int:
        return self.pk

    @classmethod
    def of(cls, policy: SlaPolicy) -> Policy:
        """``policy`` read with ``calendar__closed_days``, ``organizations``,
        ``categories`` and ``targets`` prefetched (else they are queried)."""
        calendar = policy.calendar
        return cls(
            pk=policy.pk,
            name=policy.name,
            is_active=policy.is_active,
            is_default=policy.is_default,
            calendar=_load_calendar(calendar) if calendar is not None else None,
            organization_ids=frozenset(o.pk for o in policy.organizations.all()),
            category_ids=frozenset(c.pk for c in policy.categories.all()),
            priorities=frozenset(int(p) for p in policy.priorities or ()),
            channels=frozenset(policy.channels or ()),
            warning_percent=policy.warning_percent,
            breach_notify_lead=policy.breach_notify_lead,
            breach_raise_priority=policy.breach_raise_priority,
            breach_escalate=policy.breach_escalate,
            targets=tuple(
                Target(
                    priority=t.priority,
                    first_response_minutes=t.first_response_minutes,
                    next_response_minutes=t.next_response_minutes,
                    resolution_minutes=t.resolution_minutes,
                )
                for t in policy.targets.all()
            ),
        )


def _load_calendar(calendar: BusinessCalendar) -> business_hours.Calendar:
    # Prefetched closed days when the policies are loaded, a query otherwise.
    closed = frozenset(day.date for day in calendar.closed_days.all())
    return calendar.to_calendar(closed_days=closed)


def calendar_for(policy: Policy | None) -> business_hours.Calendar:
    """The policy's business hours (kept in memory with the policy)."""
    if policy is None or policy.calendar is None:
        return business_hours.Calendar.always_open()
    return policy.calendar


def kept_calendar(calendar: BusinessCalendar) -> business_hours.Calendar:
    """``calendar`` with its closed days, kept in memory until a calendar or
    a closed day changes (``config_cache``)."""
    return config_cache.cached(
        f"calendar:{calendar.pk}", lambda: _load_calendar(calendar)
    )


_POLICY_RELATIONS = ("organizations", "categories", "targets", "calendar__closed_days")


def _load_policies() -> dict[int, Policy]:
    policies = (
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related(*_POLICY_RELATIONS)
        .order_by("is_default", "position", "pk")
    )
    return {policy.pk: Policy.of(policy) for policy in policies}


def _policies() -> list[Policy]:
    """Active policies in the order they are tried (kept in memory until a
    policy changes: every ticket change asks)."""
    return [
        p
        for p in config_cache.cached("sla-policies", _load_policies).values()
        if p.is_active
    ]


def policy_by_id(policy_id: int | None) -> Policy | None:
    """A policy with its calendar and targets, active or not."""
    if policy_id is None:
        return None
    policies = config_cache.cached("sla-policies", _load_policies)
    if policy_id in policies:
        return policies[policy_id]
    # Saved a moment ago in another process, not yet seen here.
    row = (
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related(*_POLICY_RELATIONS)
        .filter(pk=policy_id)
        .first()
    )
    return Policy.of(row) if row is not None else None


def policy_matches(policy: Policy, ticket: Ticket) -> bool:
    if (
        policy.organization_ids
        and ticket.organization_id not in policy.organization_ids
    ):
        return False
    if policy.category_ids and ticket.category_id not in policy.category_ids:
        return False
    if policy.priorities and ticket.priority not in policy.priorities:
        return False
    return not policy.channels or ticket.channel in policy.channels


def select_policy(
    ticket: Ticket, policies: list[Policy] | None = None
) -> Policy | None:
    """The first active policy whose conditions hold, else the default one."""
    policies = _policies() if policies is None else policies
    for policy in policies:
        if not policy.is_default and policy_matches(policy, ticket):
            return policy
    return default_policy(policies)


def default_policy(policies: list[Policy] | None = None) -> Policy | None:
    """The active policy marked default, if there is one."""
    policies = _policies() if policies is None else policies
    return next((p for p in policies if p.is_default), None)


def target_for(policy: Policy | None, priority: int) -> Target | None:
    if policy is None:
        return None
    return next((t for t in policy.targets if t.priority == priority), None)


def _minutes(target: Target | None, clock: Clock) -> int | None:
    return None if target is None else target.minutes_for(clock)


# --- keeping the clocks current --------------------------------------------------------


def _share(policy: Policy | None) -> float:
    return (policy.warning_percent if policy else 80) / 100


def _is_pending(times: ClockTimes, ticket: Ticket, clock: Clock) -> bool:
    """Is ``clock`` still counting towards its target (not met nor stopped)?"""
    if times.due_at is None:
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
            times = state.clock(clock)
            if times.breached or not _is_pending(times, ticket, clock):
                continue
            assert times.due_at is not None  # pending clocks have a due time
            breaches.append(times.due_at)
            if times.warn_at is not None and not times.warning_sent:
                checks.append(times.warn_at)
            else:
                checks.append(times.due_at)
    state.next_check_at = min(checks, default=None)
    state.next_breach_at = min(breaches, default=None)


def _timed(
    times: ClockTimes,
    calendar: business_hours.Calendar,
    start: datetime,
    minutes: int | None,
    share: float,
    *,
    already_paused: float = 0,
) -> ClockTimes:
    """``times`` started at ``start`` (``already_paused`` business seconds
    later) towards a target of ``minutes``; no due time without a target."""
    if minutes is None:
        return replace(times, due_at=None, warn_at=None)
    seconds = minutes * 60
    return replace(
        times,
        due_at=calendar.add_seconds(start, seconds + already_paused),
        warn_at=calendar.add_seconds(start, seconds * share + already_paused),
    )


def _apply_policy(state: TicketSla, ticket: Ticket, policy: Policy | None) -> None:
    """(Re)compute first-response and resolution due times from creation."""
    state.policy_id = policy.pk if policy is not None else None
    calendar = calendar_for(policy)
    target = target_for(policy, ticket.priority)
    share = _share(policy)
    for clock in (Clock.FIRST_RESPONSE, Clock.RESOLUTION):
        times = state.clock(clock)
        if times.breached:
            continue  # a breach is history; a new policy does not undo it
        if times.due_at is not None and not _is_pending(times, ticket, clock):
            continue  # met (or stopped) by its due time: history too
        state.set_clock(
            clock,
            _timed(
                times,
                calendar,
                ticket.created_at,
                _minutes(target, clock),
                share,
                already_paused=state.paused_seconds,
            ),
        )
    running = state.clock(Clock.NEXT_RESPONSE)
    if running.due_at is not None and not running.breached:
        # Keep the running next-response clock but measure it by the new target.
        anchor = _next_response_anchor(ticket) or running.warn_at or running.due_at
        state.set_clock(
            Clock.NEXT_RESPONSE,
            _timed(
                running,
                calendar,
                anchor,
                _minutes(target, Clock.NEXT_RESPONSE),
                share,
            ),
        )


def _next_response_anchor(ticket: Ticket) -> datetime | None:
    return ticket.last_customer_activity_at


def _pause(state: TicketSla, now: datetime) -> None:
    if state.paused_since is None:
        state.paused_since = now


def _resume(
    state: TicketSla,
    ticket: Ticket,
    now: datetime,
    calendar: business_hours.Calendar,
) -> None:
    """Push back, by the business time spent paused, the due times of the
    clocks the pause stopped: those still pending and not breached. A target
    met before (a first response) stays where it was, and a clock that starts
    with the change that ends the pause (the customer's reply) starts after
    this, so the pause does not count against it."""
    if state.paused_since is None:
        return
    since = state.paused_since
    state.paused_seconds += max(0.0, calendar.seconds_between(since, now))
    for clock in CLOCKS:
        times = state.clock(clock)
        if times.breached or not _is_pending(times, ticket, clock):
            continue
        state.set_clock(
            clock,
            replace(
                times,
                due_at=_moved(times.due_at, since, now, calendar),
                warn_at=_moved(times.warn_at, since, now, calendar),
            ),
        )
    state.paused_since = None


def _moved(
    instant: datetime | None,
    since: datetime,
    now: datetime,
    calendar: business_hours.Calendar,
) -> datetime | None:
    """``instant`` as far after ``now`` as it was after ``since``, in
    business time; an instant already passed when the pause began stays."""
    if instant is None or instant <= since:
        return instant
    return calendar.add_seconds(now, calendar.seconds_between(since, instant))


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
    return (
        TicketSla.objects.select_for_update(of=("self",)).filter(ticket=ticket).first()
    )


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
    # The cached policy carries its calendar and targets.
    policy = policy_by_id(state.policy_id)
    if any(change.changed(f) for f in POLICY_FIELDS):
        policy = select_policy(ticket)
        _apply_policy(state, ticket, policy)
    calendar = calendar_for(policy)

    if ticket.status not in PAUSED_STATUSES:
        # Before any clock this change starts: the pause is not theirs.
        _resume(state, ticket, now, calendar)
    if change.action == "reply":
        # Any public reply answers the customer: the next-response clock stops.
        state.set_clock(Clock.NEXT_RESPONSE, ClockTimes())
    elif (
        change.action == "customer_message"
        and change.message is not None
        and not change.message.is_automatic
        and ticket.first_response_at is not None
        and state.next_response_due_at is None
    ):
        target = target_for(policy, ticket.priority)
        state.set_clock(
            Clock.NEXT_RESPONSE,
            _timed(
                ClockTimes(),
                calendar,
                change.message.created_at,
                _minutes(target, Clock.NEXT_RESPONSE),
                _share(policy),
            ),
        )
    if ticket.status in PAUSED_STATUSES:
        _pause(state, now)
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
    calendar = calendar_for(policy_by_id(state.policy_id))
    result = []
    for clock in CLOCKS:
        times = state.clock(clock)
        due = times.due_at
        if due is None:
            continue
        pending = _is_pending(times, ticket, clock)
        breached = times.breached or (
            pending and state.paused_since is None and due <= now
        )
        remaining: float | None = None
        if not pending:
            status = "breached" if breached else "met"
        elif breached:
            status = "breached"
            remaining = -calendar.seconds_between(due, now)
        elif state.paused_since is not None:
            status = "paused"
            remaining = calendar.seconds_between(state.paused_since, due)
        else:
            remaining = calendar.seconds_between(now, due)
            warn = times.warn_at
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


def _claim(state: TicketSla, clock: Clock, due: datetime, *, breach: bool) -> bool:
    """Compare-and-set the warning (or breach) flag of ``clock`` as long as it
    is unset and the due time is still the one seen; a breach also counts as
    warned."""
    columns = CLOCK_COLUMNS[clock]
    flag = columns.breached if breach else columns.warning_sent
    values = {flag: True}
    if breach:
        values[columns.warning_sent] = True
    return (
        TicketSla.objects.filter(
            pk=state.pk, **{flag: False, columns.due_at: due}
        ).update(**values)
        == 1
    )


@transaction.atomic
def _check(
    pk: int, now: datetime, policies: dict[int, Policy], result: SweepResult
) -> None:
    state = TicketSla.objects.select_related("ticket__team__lead").get(pk=pk)
    ticket = state.ticket
    if state.next_check_at is None or state.next_check_at > now:
        return  # another sweep moved it on meanwhile
    policy = policies.get(state.policy_id or 0) or policy_by_id(state.policy_id)
    acted = False
    for clock in CLOCKS:
        times = state.clock(clock)
        due = times.due_at
        if (
            state.paused_since is not None
            or due is None
            or not _is_pending(times, ticket, clock)
        ):
            continue
        if not times.breached and due <= now:
            if _claim(state, clock, due, breach=True):
                result.breaches += 1
                acted = True
                _breach(ticket, policy, clock, due, now)
        elif (
            times.warn_at is not None
            and not times.warning_sent
            and times.warn_at <= now
            and _claim(state, clock, due, breach=False)
        ):
            result.warnings += 1
            state.set_clock(clock, replace(times, warning_sent=True))
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
    ticket: Ticket, policy: Policy | None, clock: str, due: datetime, now: datetime
) -> None:
    _announce(
        ticket,
        clock,
        "warning",
        due,
        {"percent": policy.warning_percent if policy else 80},
    )


def _breach(
    ticket: Ticket, policy: Policy | None, clock: str, due: datetime, now: datetime
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
                "due": formats.date_format(
                    timezone.localtime(due), "SHORT_DATETIME_FORMAT"
                ),
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
                times = state.clock(clock)
                # A target met in time (answered, resolved) is not a breach.
                stopped = _stopped_at(ticket, clock)
                state.set_clock(
                    clock,
                    replace(
                        times,
                        warning_sent=times.warn_at is not None and times.warn_at <= now,
                        breached=times.due_at is not None
                        and times.due_at <= now
                        and not (stopped and stopped <= times.due_at),
                    ),
                )
            _schedule(state, ticket)
            states.append(state)
        TicketSla.objects.bulk_create(states, ignore_conflicts=True)
        created += len(states)
