"""One ticket's life, simulated: no database, plain rows out.

The simulation walks the same steps the services take (open, assign, reply,
ask the customer, escalate, resolve, reopen, close) and records each step's
message and history events with the fields the services would write, so the
final ticket agrees with its history. A step that would fall after ``now``
is not taken: the ticket stays where it got to, as a live helpdesk's would.
"""

import bisect
import contextlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from podpora.core.sample_data import texts
from podpora.core.sample_data.world import Org, TeamInfo, World
from podpora.tickets.html import text_to_html

NEW, OPEN, WAIT_CUSTOMER, WAIT_THIRD, RESOLVED, CLOSED = (
    "new",
    "open",
    "waiting_customer",
    "waiting_third_party",
    "resolved",
    "closed",
)
CUSTOMER, REPLY, NOTE = "customer", "reply", "note"

_CHANNELS = ("email", "portal", "phone", "chat", "api")
_CHANNEL_WEIGHTS = (50, 25, 15, 7, 3)
_PRIORITY_WEIGHTS = (15, 55, 22, 8)  # low, normal, high, urgent
# Mean minutes to the first touch and to a fix, by priority (1..4).
_FIRST_TOUCH = {1: 360.0, 2: 120.0, 3: 45.0, 4: 12.0}
_TO_FIX = {1: 5 * 1440.0, 2: 2 * 1440.0, 3: 720.0, 4: 240.0}
_TEAM_BY_KIND = {
    "desk": "Service Desk",
    "infra": "Infrastruktura",
    "apps": "Aplikacje biznesowe",
    "billing": "Obsługa faktur",
}


@dataclass(slots=True)
class MessageRow:
    kind: str
    author_id: int | None
    channel: str
    text: str
    html: str
    created_at: datetime
    time_spent: int = 0
    is_automatic: bool = False
    email_message_id: str = ""
    delivery_status: str = ""


@dataclass(slots=True)
class EventRow:
    kind: str
    created_at: datetime
    actor_id: int | None
    field: str = ""
    old: str = ""
    new: str = ""
    via: str = ""
    message: int | None = None  # index into TicketPlan.messages
    data: dict[str, Any] | None = None


@dataclass(slots=True)
class TicketPlan:
    subject: str
    channel: str
    requester_id: int
    organization_id: int
    priority: int
    team_id: int | None
    tier: int
    category_id: int | None
    tag_ids: list[int]
    created_at: datetime
    status: str = NEW
    assignee_id: int | None = None
    updated_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    last_customer_activity_at: datetime | None = None
    last_agent_activity_at: datetime | None = None
    version: int = 1
    messages: list[MessageRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)


@lru_cache(maxsize=4096)
def _html(text: str) -> str:
    return text_to_html(text)


class _Stop(Exception):
    """The next step would happen after ``now``."""


class Simulator:
    def __init__(
        self,
        world: World,
        rng: random.Random,
        now: datetime,
        days: float,
        total: int,
    ):
        self.world = world
        self.rng = rng
        self.now = now
        self.start = now - timedelta(days=days)
        self.total = max(1, total)
        self.count = 0
        self.org_weights = [o.weight for o in world.orgs]
        self.issue_weights = [i.weight for i in texts.ISSUES]
        self._hours, self._cumulative = self._load_curve()

    def _load_curve(self) -> tuple[list[datetime], list[float]]:
        """Hourly weights of how many requests arrive: mostly working hours on
        working days (local time), as a real helpdesk's load."""
        local = ZoneInfo("Europe/Warsaw")
        hour = self.start.replace(minute=0, second=0, microsecond=0)
        hours, cumulative, total = [], [], 0.0
        while hour < self.now:
            at = hour.astimezone(local)
            busy = at.weekday() < 5 and 7 <= at.hour < 18
            total += 1.0 if busy else 0.08
            hours.append(hour)
            cumulative.append(total)
            hour += timedelta(hours=1)
        return hours, cumulative

    def _created_at(self) -> datetime:
        # The i-th of ``total`` tickets arrives at the i-th quantile of the
        # load curve, so creation times rise with ticket numbers.
        quantile = (self.count + self.rng.random()) / self.total
        self.count += 1
        target = quantile * self._cumulative[-1]
        k = min(bisect.bisect_left(self._cumulative, target), len(self._hours) - 1)
        below = self._cumulative[k - 1] if k else 0.0
        weight = self._cumulative[k] - below
        fraction = (target - below) / weight if weight else 0.0
        at = self._hours[k] + timedelta(seconds=3600 * fraction)
        return min(max(at, self.start), self.now)

    def _team_for(self, kind: str, language: str) -> TeamInfo | None:
        name = _TEAM_BY_KIND[kind]
        if name == "Service Desk" and language == "cs":
            name = "Service Desk CZ"
        return self.world.teams.get(name) or next(iter(self.world.teams.values()), None)

    def _agent_of(self, team: TeamInfo | None) -> int:
        pool = (team.agent_ids if team else None) or self.world.supervisor_ids
        return self.rng.choice(pool)

    def _text(self, template: str, language: str) -> str:
        rng = self.rng
        return template.format(
            place=rng.choice(texts.PLACES[language]),
            month=texts.MONTHS[language][rng.randrange(12)],
        )

    # --- the steps -------------------------------------------------------------

    def _advance(self, plan: TicketPlan, at: datetime, minutes: float) -> datetime:
        at = at + timedelta(minutes=max(1.0, minutes))
        if at > self.now:
            raise _Stop
        return at

    def _message(self, plan: TicketPlan, row: MessageRow) -> int:
        plan.messages.append(row)
        return len(plan.messages) - 1

    def _status(
        self,
        plan: TicketPlan,
        new: str,
        at: datetime,
        actor: int | None,
        via: str = "",
    ) -> None:
        old = plan.status
        if new == old:
            return
        plan.status = new
        if new == RESOLVED:
            plan.resolved_at = at
        elif new == CLOSED:
            plan.closed_at = at
            plan.resolved_at = plan.resolved_at or at
        elif old == RESOLVED:
            plan.resolved_at = None
        kind = "reopened" if old == RESOLVED and new == OPEN else "field"
        plan.events.append(EventRow(kind, at, actor, "status", old, new, via=via))

    def _field(
        self,
        plan: TicketPlan,
        name: str,
        old: object,
        new: object,
        at: datetime,
        actor: int | None,
    ) -> None:
        plan.events.append(
            EventRow(
                "field",
                at,
                actor,
                name,
                "" if old is None else str(old),
                "" if new is None else str(new),
            )
        )

    def _reply(
        self,
        plan: TicketPlan,
        at: datetime,
        agent: int,
        text: str,
        status: str | None = None,
        minutes: int = 0,
    ) -> None:
        index = self._message(
            plan,
            MessageRow(
                REPLY,
                agent,
                "",
                text,
                _html(text),
                at,
                minutes,
                delivery_status="sent" if plan.channel == "email" else "",
            ),
        )
        plan.events.append(EventRow("message", at, agent, "reply", message=index))
        plan.last_agent_activity_at = at
        if plan.first_response_at is None:
            plan.first_response_at = at
        target = status or (OPEN if plan.status in (NEW, WAIT_THIRD) else None)
        if target and target != plan.status:
            self._status(plan, target, at, agent)
        plan.version += 1

    def _note(
        self, plan: TicketPlan, at: datetime, agent: int, text: str, minutes: int
    ) -> None:
        index = self._message(
            plan, MessageRow(NOTE, agent, "", text, _html(text), at, minutes)
        )
        plan.events.append(EventRow("message", at, agent, "note", message=index))
        plan.version += 1

    def _customer(self, plan: TicketPlan, at: datetime, text: str) -> None:
        channel = "email" if plan.channel in ("email", "monitoring") else "portal"
        index = self._message(
            plan,
            MessageRow(
                CUSTOMER,
                plan.requester_id,
                channel,
                text,
                _html(text),
                at,
                email_message_id=self._message_id(plan, at)
                if channel == "email"
                else "",
            ),
        )
        plan.events.append(
            EventRow(
                "message", at, plan.requester_id, "customer_message", message=index
            )
        )
        plan.last_customer_activity_at = at
        if plan.status in (RESOLVED, WAIT_CUSTOMER):
            self._status(plan, OPEN, at, plan.requester_id)
        plan.version += 1

    def _message_id(self, plan: TicketPlan, at: datetime) -> str:
        return (
            f"<{int(at.timestamp() * 1000)}.{self.rng.getrandbits(32):08x}@sample.mail>"
        )

    def _assign(self, plan: TicketPlan, at: datetime, agent: int, actor: int) -> None:
        self._field(plan, "assignee", plan.assignee_id or "", agent, at, actor)
        plan.assignee_id = agent
        plan.version += 1

    def _escalate(
        self, plan: TicketPlan, at: datetime, agent: int, language: str
    ) -> TeamInfo | None:
        world = self.world
        current = world.teams_by_id.get(plan.team_id) if plan.team_id else None
        target_tier = plan.tier + 1
        target = (
            world.teams_by_id.get(current.escalation_id)
            if current and current.escalation_id
            else None
        )
        if target is None or target.tier != target_tier:
            target = next(
                (t for t in world.teams.values() if t.tier == target_tier), None
            )
        text = self.rng.choice(texts.HANDOVER_NOTES)
        index = self._message(plan, MessageRow(NOTE, agent, "", text, _html(text), at))
        plan.events.append(
            EventRow(
                "escalated",
                at,
                agent,
                "tier",
                str(plan.tier),
                str(target_tier),
                message=index,
                data={
                    "from_team": plan.team_id,
                    "to_team": target.id if target else None,
                },
            )
        )
        plan.tier = target_tier
        if target is not None and target.id != plan.team_id:
            self._field(plan, "team", plan.team_id or "", target.id, at, agent)
            plan.team_id = target.id
        if plan.assignee_id and (
            target is None or plan.assignee_id not in target.agent_ids
        ):
            self._field(plan, "assignee", plan.assignee_id, "", at, agent)
            plan.assignee_id = None
        plan.version += 1
        return target

    # --- a whole life -------------------------------------------------------------

    def ticket(self) -> TicketPlan:
        rng, world = self.rng, self.world
        org: Org = rng.choices(world.orgs, self.org_weights)[0]
        language = org.language
        issue = rng.choices(texts.ISSUES, self.issue_weights)[0]
        subject_t, body_t = issue.pl if language == "pl" else issue.cs
        subject = self._text(subject_t, language)
        body = self._text(body_t, language)
        monitoring = issue.key == "server-down"
        channel = (
            "monitoring" if monitoring else rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0]
        )
        priority = (
            rng.choice((3, 4))
            if monitoring or issue.key == "phishing"
            else rng.choices((1, 2, 3, 4), _PRIORITY_WEIGHTS)[0]
        )
        team = self._team_for(issue.team, language)
        unrouted = rng.random() < 0.06
        requester = rng.choice(org.customer_ids)
        at = self._created_at()
        tags = [world.tag_ids[t] for t in issue.tags if t in world.tag_ids]
        if priority == 4 and rng.random() < 0.3 and "vip" in world.tag_ids:
            tags.append(world.tag_ids["vip"])
        plan = TicketPlan(
            subject=subject,
            channel=channel,
            requester_id=requester,
            organization_id=org.id,
            priority=priority,
            team_id=None if unrouted or team is None else team.id,
            tier=1 if unrouted or team is None else team.tier,
            category_id=world.category_ids.get(issue.category),
            tag_ids=sorted(set(tags)),
            created_at=at,
            updated_at=at,
            last_customer_activity_at=at,
        )
        # Phone calls are written down by the agent who took them.
        recorder = self._agent_of(team) if channel == "phone" else None
        plan.messages.append(
            MessageRow(
                CUSTOMER,
                requester,
                channel,
                body,
                _html(body),
                at,
                is_automatic=monitoring,
                email_message_id=self._message_id(plan, at)
                if channel == "email"
                else "",
            )
        )
        plan.events.append(
            EventRow(
                "created",
                at,
                recorder or requester,
                message=0,
                data={"channel": channel},
            )
        )
        with contextlib.suppress(_Stop):
            self._live(plan, issue, team, language, at, recorder)
        last = plan.created_at
        for row in plan.events:
            last = max(last, row.created_at)
        plan.updated_at = last
        return plan

    def _live(
        self,
        plan: TicketPlan,
        issue: texts.Issue,
        team: TeamInfo | None,
        language: str,
        at: datetime,
        recorder: int | None,
    ) -> None:
        rng, world = self.rng, self.world
        if rng.random() < 0.02:
            return  # forgotten in the queue: stays new
        first_touch = _FIRST_TOUCH[plan.priority]
        at = self._advance(plan, at, rng.expovariate(1 / first_touch))
        if plan.team_id is None:
            supervisor = rng.choice(world.supervisor_ids)
            target = team or next(iter(world.teams.values()))
            self._field(plan, "team", "", target.id, at, supervisor)
            plan.team_id, plan.tier = target.id, target.tier
            plan.version += 1
            team = target
        agent = (
            recorder
            if recorder and team and recorder in team.agent_ids
            else self._agent_of(team)
        )
        self._assign(
            plan,
            at,
            agent,
            agent if rng.random() < 0.7 else rng.choice(world.supervisor_ids),
        )
        if rng.random() < 0.08:
            old = plan.priority
            new = min(4, old + 1)
            if new != old:
                self._field(plan, "priority", old, new, at, agent)
                plan.priority = new
                plan.version += 1
        at = self._advance(plan, at, rng.expovariate(1 / (first_touch / 2)))
        self._reply(
            plan,
            at,
            agent,
            rng.choice(texts.ACKNOWLEDGE[language]),
            minutes=rng.choice((0, 5, 10)),
        )
        if rng.random() < 0.35:
            at = self._advance(plan, at, rng.uniform(5, 90))
            self._note(
                plan,
                at,
                agent,
                rng.choice(texts.NOTES),
                rng.choice((10, 15, 20, 30, 45)),
            )
        if plan.tier < 3 and rng.random() < issue.escalates:
            at = self._advance(plan, at, rng.uniform(30, 600))
            handed_to = self._escalate(plan, at, agent, language)
            if plan.assignee_id is None:
                at = self._advance(plan, at, rng.expovariate(1 / first_touch))
                agent = self._agent_of(handed_to)
                self._assign(plan, at, agent, agent)
            else:
                agent = plan.assignee_id
        for _round in range(rng.choices((0, 1, 2, 3), (40, 35, 18, 7))[0]):
            roll = rng.random()
            if roll < 0.75:
                at = self._advance(plan, at, rng.uniform(20, 480))
                self._reply(
                    plan,
                    at,
                    agent,
                    rng.choice(texts.ASK_CUSTOMER[language]),
                    status=WAIT_CUSTOMER,
                    minutes=rng.choice((0, 5, 10, 15)),
                )
                if rng.random() < 0.1:
                    # The customer never answers; the agent resolves it later.
                    at = self._advance(plan, at, rng.uniform(3 * 1440, 7 * 1440))
                    self._status(plan, RESOLVED, at, agent)
                    plan.version += 1
                    return self._close(plan, at, agent)
                at = self._advance(plan, at, rng.expovariate(1 / 1440))
                self._customer(
                    plan, at, rng.choice(texts.CUSTOMER_FOLLOW_UPS[language])
                )
            else:
                at = self._advance(plan, at, rng.uniform(10, 240))
                self._status(plan, WAIT_THIRD, at, agent)
                plan.version += 1
                at = self._advance(plan, at, rng.uniform(1440, 7 * 1440))
                self._note(plan, at, agent, texts.NOTES[7], 10)
            if rng.random() < 0.4:
                at = self._advance(plan, at, rng.uniform(5, 120))
                self._note(
                    plan,
                    at,
                    agent,
                    rng.choice(texts.NOTES),
                    rng.choice((15, 30, 60, 90)),
                )
        to_fix = _TO_FIX[plan.priority]
        if rng.random() < 0.05:
            to_fix = 21 * 1440.0  # a small project rather than a fault
        at = self._advance(plan, at, rng.expovariate(1 / to_fix))
        self._reply(
            plan,
            at,
            agent,
            rng.choice(texts.RESOLUTIONS[language]),
            status=RESOLVED,
            minutes=rng.choice((5, 10, 15, 30)),
        )
        if rng.random() < 0.07:
            at = self._advance(plan, at, rng.uniform(60, 2 * 1440))
            self._customer(plan, at, texts.CUSTOMER_FOLLOW_UPS[language][4])
            at = self._advance(plan, at, rng.uniform(30, 600))
            self._reply(
                plan,
                at,
                agent,
                rng.choice(texts.RESOLUTIONS[language]),
                status=RESOLVED,
                minutes=rng.choice((15, 30)),
            )
        self._close(plan, at, agent)

    def _close(self, plan: TicketPlan, at: datetime, agent: int) -> None:
        at = self._advance(plan, at, self.rng.uniform(3 * 1440, 7 * 1440))
        if self.rng.random() < 0.8:
            self._status(plan, CLOSED, at, None, via="auto-close")
        else:
            self._status(plan, CLOSED, at, agent)
        plan.version += 1
