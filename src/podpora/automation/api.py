"""``GET /api/v1/tickets/{number}/sla``: a ticket's SLA clocks, as the desk
shows them next to the ticket.

Agents only, within ``tickets.selectors.visible_to``. Customers do not see
SLA internals in the portal, so for them the resource does not exist (404),
the same answer the API gives for anything outside a caller's scope.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Path, Router, Schema

from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, not_found
from podpora.api.responses import respond
from podpora.automation import selectors, sla
from podpora.automation.models import Clock
from podpora.tickets.selectors import visible_to

router = Router(tags=["SLA"])

Number = Annotated[int, Path(ge=1, le=2**62)]
ClockName = Literal["first_response", "next_response", "resolution"]
ClockState = Literal["running", "at_risk", "breached", "met", "paused"]


class SlaPolicyOut(Schema):
    id: int
    name: str
    warning_percent: int


class SlaClockOut(Schema):
    clock: ClockName
    label: str
    target_minutes: int | None = Field(
        description="Business minutes the policy allows at the ticket's priority."
    )
    due_at: datetime
    warn_at: datetime | None
    remaining_seconds: float | None = Field(
        description=(
            "Business seconds left (while paused: left when the clock resumes); "
            "negative once breached; null once the clock stopped."
        )
    )
    state: ClockState
    warning: bool = Field(description="At risk now, or the warning was sent.")
    breached: bool


class TicketSlaOut(Schema):
    ticket: int
    priority: int
    policy: SlaPolicyOut | None = Field(
        description="Null when no policy applies: then there are no clocks."
    )
    paused: bool = Field(description="Waiting on the customer, or resolved.")
    paused_since: datetime | None
    paused_seconds: float = Field(
        description="Business seconds spent paused before the current pause."
    )
    next_breach_at: datetime | None
    clocks: list[SlaClockOut]


@router.get(
    "/tickets/{number}/sla",
    response={200: TicketSlaOut, **ERROR_RESPONSES},
    summary="A ticket's SLA clocks (agents)",
)
def ticket_sla(request: HttpRequest, number: Number) -> JsonResponse:
    """Due times and the business time left on each clock, as on the desk's
    ticket page; computed at the moment of the request."""
    user = caller(request)
    if not user.is_agent:
        raise not_found()
    ticket = visible_to(user).filter(number=number).first()
    if ticket is None:
        raise not_found()
    state = selectors.sla_state(ticket)
    now = timezone.now()
    policy = sla.policy_by_id(state.policy_id) if state is not None else None
    target = sla.target_for(policy, ticket.priority)
    clocks = []
    for status in sla.clock_statuses(ticket, state, now=now):
        assert state is not None  # statuses exist only with a state
        times = state.clock(status.clock)
        minutes = target.minutes_for(Clock(status.clock)) if target else None
        clocks.append(
            SlaClockOut(
                clock=status.clock,  # type: ignore[arg-type]
                label=status.label,
                target_minutes=minutes,
                due_at=status.due_at,  # type: ignore[arg-type]
                warn_at=times.warn_at,
                remaining_seconds=status.remaining_seconds,
                state=status.state,  # type: ignore[arg-type]
                warning=status.state == "at_risk" or times.warning_sent,
                breached=status.state == "breached",
            )
        )
    return respond(
        TicketSlaOut(
            ticket=ticket.number,
            priority=ticket.priority,
            policy=SlaPolicyOut.from_orm(policy) if policy is not None else None,
            paused=state is not None and state.paused_since is not None,
            paused_since=state.paused_since if state else None,
            paused_seconds=state.paused_seconds if state else 0.0,
            next_breach_at=state.next_breach_at if state else None,
            clocks=clocks,
        )
    )
