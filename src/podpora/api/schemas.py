"""What the API shows. Customers and agents get separate output schemas, so
an agent-only field can never reach a customer by accident: the customer
schemas simply do not have it."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import AfterValidator

from podpora.accounts.models import Organization, Team, User
from podpora.tickets.models import Attachment, Message, Ticket


def clean_text(value: str) -> str:
    # PostgreSQL cannot store NUL, and lone surrogates cannot be encoded:
    # both are refused here as bad input rather than failing in the database.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as bad:
        raise ValueError("not valid Unicode text") from bad
    return value


Text = Annotated[str, AfterValidator(clean_text)]


def utc_moment(value: datetime) -> datetime:
    """A moment in UTC. Offsets the database cannot store (beyond ±15:59)
    and dates that overflow on conversion are bad input, not a 500."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as bad:
        raise ValueError("the date is out of range") from bad


Moment = Annotated[datetime, AfterValidator(utc_moment)]
# Ids and numbers fit a signed 64-bit column; larger ones are bad input.
Id = Annotated[int, Field(ge=1, le=2**62)]

StatusName = Literal[
    "new", "open", "waiting_customer", "waiting_third_party", "resolved", "closed"
]
ChannelName = Literal["email", "portal", "phone", "chat", "api", "monitoring"]
PriorityValue = Literal[1, 2, 3, 4]
TierValue = Literal[1, 2, 3]


# --- people --------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.display_name


class RequesterRef(PersonRef):
    email: str


class OrganizationRef(Schema):
    id: int
    name: str


class TeamRef(Schema):
    id: int
    name: str
    tier: int


class UserOut(Schema):
    """A person as a customer may see them."""

    id: int
    name: str
    email: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.display_name


class UserAgentOut(UserOut):
    phone: str
    language: str
    time_zone: str
    agent_role: str
    is_active: bool
    organizations: list[OrganizationRef]
    teams: list[TeamRef]

    @staticmethod
    def resolve_organizations(obj: User) -> list[Organization]:
        return [m.organization for m in obj.memberships.all()]

    @staticmethod
    def resolve_teams(obj: User) -> list[Team]:
        return list(obj.teams.all())


class OrganizationOut(Schema):
    id: int
    name: str


class OrganizationAgentOut(OrganizationOut):
    is_active: bool
    notes: str
    domains: list[str]
    created_at: datetime

    @staticmethod
    def resolve_domains(obj: Organization) -> list[str]:
        return [d.domain for d in obj.domains.all()]


class TeamOut(Schema):
    id: int
    name: str
    description: str
    tier: int
    is_active: bool
    agents: list[PersonRef]
    lead: PersonRef | None
    escalation_team_id: int | None

    @staticmethod
    def resolve_agents(obj: Team) -> list[User]:
        return list(obj.agents.all())


# --- tickets -------------------------------------------------------------------


class TicketCustomerOut(Schema):
    number: int
    subject: str
    status: str
    priority: int
    channel: str
    requester: RequesterRef
    organization: OrganizationRef | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class TicketAgentOut(TicketCustomerOut):
    # No defaults: a ticket without these cannot pass for the agent schema.
    version: int
    tier: int
    team: TeamRef | None
    assignee: PersonRef | None
    category: str | None
    tags: list[str]
    first_response_at: datetime | None
    merged_into: int | None
    remote_session_id: str

    @staticmethod
    def resolve_category(obj: Ticket) -> str | None:
        return obj.category.name if obj.category_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_tags(obj: Ticket) -> list[str]:
        return sorted(t.name for t in obj.tags.all())

    @staticmethod
    def resolve_merged_into(obj: Ticket) -> int | None:
        return obj.merged_into.number if obj.merged_into_id else None  # type: ignore[union-attr]


TicketOut = TicketAgentOut | TicketCustomerOut


class TicketPage(Schema):
    items: list[TicketAgentOut | TicketCustomerOut]
    next_cursor: str | None


def ticket_out(ticket: Ticket, user: User) -> TicketAgentOut | TicketCustomerOut:
    if user.is_agent:
        return TicketAgentOut.from_orm(ticket)
    return TicketCustomerOut.from_orm(ticket)


class TicketIn(Schema):
    subject: Text = Field(min_length=1, max_length=255)
    body_text: Text = Field("", max_length=100_000)
    body_html: Text = Field("", max_length=200_000)
    priority: PriorityValue = 2
    # Agents only: open a ticket on someone's behalf and route it.
    requester_id: Id | None = None
    requester_email: Text | None = Field(None, max_length=254)
    requester_name: Text = Field("", max_length=200)
    channel: ChannelName | None = None
    team_id: Id | None = None
    organization_id: Id | None = None
    tags: list[Annotated[Text, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50
    )


class TicketPatch(Schema):
    subject: Text | None = Field(None, min_length=1, max_length=255)
    status: StatusName | None = None
    priority: PriorityValue | None = None
    tier: TierValue | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    category_id: Id | None = None
    tags: list[Annotated[Text, Field(max_length=64)]] | None = Field(
        None, max_length=50
    )
    remote_session_id: Text | None = Field(None, max_length=64)


class MergeIn(Schema):
    into: Id = Field(description="Number of the ticket that survives.")


# --- messages and attachments ------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    created_at: datetime
    message_id: int | None
    url: str

    @staticmethod
    def resolve_name(obj: Attachment) -> str:
        return obj.original_name

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return reverse("api-v1:attachment_content", kwargs={"attachment_id": obj.pk})


class MessageCustomerOut(Schema):
    id: int
    kind: str
    author: PersonRef | None
    body_text: str
    body_html: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Attachment]:
        return list(obj.attachments.all())


class MessageAgentOut(MessageCustomerOut):
    channel: str
    time_spent_minutes: int
    is_automatic: bool
    delivery_status: str


class MessagePage(Schema):
    items: list[MessageAgentOut | MessageCustomerOut]
    next_cursor: str | None


def message_out(message: Message, user: User) -> MessageAgentOut | MessageCustomerOut:
    if user.is_agent:
        return MessageAgentOut.from_orm(message)
    return MessageCustomerOut.from_orm(message)


class MessageIn(Schema):
    kind: Literal["reply", "note", "customer"] = Field(
        "reply",
        description="Agents send `reply` or `note`; customers always send `customer`.",
    )
    body_text: Text = Field("", max_length=100_000)
    body_html: Text = Field("", max_length=200_000)
    status: StatusName | None = Field(None, description="Agents' replies only.")
    time_spent_minutes: int = Field(0, ge=0, le=1440)


class AttachmentPage(Schema):
    items: list[AttachmentOut]
    next_cursor: str | None


class UserPage(Schema):
    items: list[UserAgentOut | UserOut]
    next_cursor: str | None


class OrganizationPage(Schema):
    items: list[OrganizationAgentOut | OrganizationOut]
    next_cursor: str | None


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


class PingOut(Schema):
    status: str
