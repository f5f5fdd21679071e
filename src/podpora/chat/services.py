"""The only code that writes chats. Consumers and views call these."""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from podpora.accounts.models import AgentRole, Availability, Team, User
from podpora.accounts.permissions import Right, can
from podpora.accounts.services import get_or_create_customer
from podpora.automation import business_hours, sla
from podpora.chat import broadcast
from podpora.chat.models import (
    ChatAttachment,
    ChatMessage,
    ChatSession,
    ChatWidget,
    Sender,
    SessionStatus,
)
from podpora.chat.selectors import visible_chats
from podpora.core.outbox import enqueue_after_commit
from podpora.tickets import attachments as attachment_files
from podpora.tickets import services as ticket_services
from podpora.tickets.models import Channel, Ticket
from podpora.tickets.selectors import visible_to

MAX_MESSAGE_CHARS = 4000


class ChatError(Exception):
    code = "chat_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


def clean_text(body: str) -> str:
    """Plain text without control characters (newlines and tabs kept)."""
    text = "".join(
        ch for ch in (body or "") if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    ).strip()
    if not text:
        raise ChatError(_("The message is empty."), code="empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ChatError(
            _("A message may have at most %(n)d characters.")
            % {"n": MAX_MESSAGE_CHARS},
            code="too_long",
        )
    return text


# --- availability ----------------------------------------------------------------------


def available_agents(widget: ChatWidget) -> QuerySet[User]:
    agents = User.objects.filter(
        is_active=True,
        agent_role__in=AgentRole.values,
        availability=Availability.AVAILABLE,
        on_leave=False,
    )
    if widget.team_id:
        agents = agents.filter(teams=widget.team_id)
    return agents


class Closed(StrEnum):
    """Why the widget offers to leave a message instead of a chat."""

    SWITCHED_OFF = "off"
    OUTSIDE_HOURS = "hours"
    NOBODY_AVAILABLE = "busy"


@dataclass(frozen=True)
class Opening:
    closed: Closed | None = None
    reopens_at: datetime | None = None  # when outside business hours

    @property
    def is_open(self) -> bool:
        return self.closed is None


def business_calendar(widget: ChatWidget) -> business_hours.Calendar | None:
    """The widget's business-hours calendar (kept as the SLA clocks keep
    theirs), if any."""
    if widget.business_hours is None:
        return None
    return sla.kept_calendar(widget.business_hours)


def opening(widget: ChatWidget, now: datetime | None = None) -> Opening:
    """Chat is offered inside the widget's business hours while somebody can
    answer; otherwise the widget offers to leave a message (a ticket)."""
    if not widget.is_active:
        return Opening(Closed.SWITCHED_OFF)
    calendar = business_calendar(widget)
    now = now or timezone.now()
    if calendar is not None and not calendar.is_open_at(now):
        try:
            reopens_at = calendar.next_opening(now)
        except business_hours.CalendarError:
            reopens_at = None
        return Opening(Closed.OUTSIDE_HOURS, reopens_at)
    if not available_agents(widget).exists():
        return Opening(Closed.NOBODY_AVAILABLE)
    return Opening()


def is_open(widget: ChatWidget, now: datetime | None = None) -> bool:
    return opening(widget, now).is_open


def set_availability(agent: User, availability: str) -> None:
    if not agent.is_agent or availability not in Availability.values:
        raise ChatError(_("You are not allowed to do that."), code="not_allowed")
    User.objects.filter(pk=agent.pk).update(availability=availability)
    agent.availability = availability


# --- sessions ----------------------------------------------------------------------------


def payload(message: ChatMessage) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": "message",
        "session": message.session_id,
        "id": message.pk,
        "sender": message.sender,
        "name": _display_name(message),
        "body": message.body,
        "at": message.created_at.isoformat(),
    }
    if message.attachment_id:
        data["attachment"] = {
            "id": message.attachment_id,
            "name": message.attachment.original_name if message.attachment else "",
        }
    return data


def _display_name(message: ChatMessage) -> str:
    if message.sender == Sender.SYSTEM:
        return ""
    if message.sender == Sender.AGENT and message.author:
        return message.author.full_name.split(" ")[0] or _("Agent")
    return message.session.visitor_name or _("Visitor")


def _system(session: ChatSession, text: str) -> ChatMessage:
    return post_message(session, sender=Sender.SYSTEM, author=None, body=text)


@transaction.atomic
def start_session(
    widget: ChatWidget,
    *,
    name: str,
    email: str,
    user: User | None = None,
    page_url: str = "",
    remote_addr: str | None = None,
    language: str = "",
) -> ChatSession:
    closed = opening(widget).closed
    if closed == Closed.SWITCHED_OFF:
        raise ChatError(_("This chat is switched off."), code="inactive")
    if closed == Closed.OUTSIDE_HOURS:
        raise ChatError(
            _("We are outside our business hours. Please leave us a message."),
            code="closed",
        )
    if user is not None and user.is_authenticated:
        visitor = user
    else:
        if not email or "@" not in email:
            raise ChatError(_("Please give your e-mail address."), code="invalid_email")
        visitor, _created = get_or_create_customer(email, full_name=name)
    language = language if language in dict(settings.LANGUAGES) else widget.language
    session = ChatSession.objects.create(
        widget=widget,
        visitor=visitor,
        visitor_name=(name or visitor.full_name or visitor.email).strip()[:200],
        language=language,
        team=widget.team,
        page_url=page_url[:500],
        remote_addr=remote_addr,
    )
    _tell_agents(session, "waiting")
    return session


def _tell_agents(
    session: ChatSession, event: str, handled_by: int | None = None
) -> None:
    """Tell the consoles that a chat changed. Only the agents whose scope
    holds the chat hear it (``AgentConsumer.push``): its team, whoever handles
    it now and ``handled_by`` (who handled it just before)."""
    broadcast.send_on_commit(
        broadcast.AGENTS_GROUP,
        {
            "event": event,
            "session": session.pk,
            broadcast.AUDIENCE: {
                "team": session.team_id,
                "agent": session.agent_id,
                "was": handled_by,
            },
        },
    )


@dataclass(frozen=True)
class Draft:
    """A message to store: who writes it, in which chat."""

    session_id: int
    sender: str
    author: User | None
    body: str
    attachment: ChatAttachment | None = None


def store_messages(drafts: Sequence[Draft]) -> list[ChatMessage | ChatError]:
    """Store several messages in one transaction (the WebSocket writer's group
    commit); a message that may not be written gets its ``ChatError`` in its
    place in the result and the others are stored.

    The chats' rows are locked in id order, so writers in other processes wait
    per chat and never deadlock; a chat's message ids therefore grow in the
    order its messages commit, which ``messages_after`` relies on when a client
    reconnects with the last id it saw.
    """
    results: list[ChatMessage | ChatError] = []
    with transaction.atomic():
        locked = {
            session.pk: session
            for session in ChatSession.objects.select_for_update()
            .filter(pk__in={d.session_id for d in drafts})
            .order_by("pk")
        }
        new: list[ChatMessage] = []
        for draft in drafts:
            try:
                message = _checked_message(locked.get(draft.session_id), draft)
            except ChatError as error:
                results.append(error)
                continue
            new.append(message)
            results.append(message)
        ChatMessage.objects.bulk_create(new)
    return results


def _checked_message(session: ChatSession | None, draft: Draft) -> ChatMessage:
    if session is None:
        raise ChatError(_("No such chat."), code="not_found")
    if session.status == SessionStatus.ENDED:
        raise ChatError(_("This chat has ended."), code="ended")
    if draft.sender == Sender.AGENT and (
        draft.author is None or session.agent_id != draft.author.pk
    ):
        raise ChatError(_("Accept the chat before writing in it."), code="not_yours")
    attachment = draft.attachment
    return ChatMessage(
        session=session,
        sender=draft.sender,
        author=draft.author,
        body=(draft.body or attachment.original_name)
        if attachment
        else clean_text(draft.body),
        attachment=attachment,
    )


def post_message(
    session: ChatSession,
    *,
    sender: str,
    author: User | None,
    body: str,
    attachment: ChatAttachment | None = None,
    push: bool = True,
) -> ChatMessage:
    """Store one message; with ``push`` it goes out to the chat after commit."""
    with transaction.atomic():
        [result] = store_messages([Draft(session.pk, sender, author, body, attachment)])
        if isinstance(result, ChatError):
            raise result
        if push:
            broadcast.send_on_commit(result.session.group_name, payload(result))
    return result


def accept(session: ChatSession, agent: User) -> ChatSession:
    """Take a waiting chat in the agent's scope. Two agents clicking at once:
    one wins, the other is told it was taken."""
    if not can(agent, Right.WORK_TICKETS):
        raise ChatError(_("You are not allowed to do that."), code="not_allowed")
    with transaction.atomic():
        in_scope = visible_chats(agent).filter(pk=session.pk)
        won = in_scope.filter(status=SessionStatus.WAITING).update(
            status=SessionStatus.ACTIVE, agent=agent, accepted_at=timezone.now()
        )
        if not won and not in_scope.exists():
            # Another team's chat: the same answer as for any forbidden step.
            raise ChatError(_("You are not allowed to do that."), code="not_allowed")
        if not won:
            raise ChatError(
                _("Another agent has already taken this chat."), code="taken"
            )
        session.refresh_from_db()
        with override(session.language):
            _system(
                session,
                _("%(name)s joined the chat.")
                % {"name": agent.full_name or agent.email},
            )
        _tell_agents(session, "accepted")
    return session


def transfer(
    session: ChatSession,
    *,
    by: User,
    to_agent: User | None = None,
    to_team: Team | None = None,
) -> ChatSession:
    if session.agent_id != by.pk and not can(by, Right.SEE_ALL_TICKETS):
        raise ChatError(_("You are not allowed to do that."), code="not_allowed")
    if to_agent is None and to_team is None:
        raise ChatError(_("Choose an agent or a team."), code="invalid")
    if to_agent is not None and not to_agent.is_agent:
        raise ChatError(_("Only an agent can take a chat."), code="invalid")
    handled_by = session.agent_id
    with transaction.atomic():
        if to_agent is not None:
            ChatSession.objects.filter(pk=session.pk).update(agent=to_agent)
            text = _("The chat was handed to %(name)s.") % {"name": to_agent.full_name}
        else:
            assert to_team is not None
            ChatSession.objects.filter(pk=session.pk).update(
                agent=None, team=to_team, status=SessionStatus.WAITING
            )
            text = _("The chat was handed to the %(team)s team.") % {
                "team": to_team.name
            }
        session.refresh_from_db()
        with override(session.language):
            _system(session, text)
        _tell_agents(session, "transferred", handled_by)
    return session


def end(session: ChatSession, *, by: User | None) -> ChatSession:
    with transaction.atomic():
        ended = (
            ChatSession.objects.filter(pk=session.pk)
            .exclude(status=SessionStatus.ENDED)
            .update(status=SessionStatus.ENDED, ended_at=timezone.now())
        )
        session.refresh_from_db()
        if ended:
            ChatMessage.objects.create(
                session=session, sender=Sender.SYSTEM, body=_end_text(session)
            )
            broadcast.send_on_commit(
                session.group_name, {"event": "ended", "session": session.pk}
            )
            _tell_agents(session, "ended")
            from podpora.chat.tasks import send_transcript

            enqueue_after_commit(send_transcript, session.pk)
    return session


def _end_text(session: ChatSession) -> str:
    with override(session.language):
        return _("The chat has ended. A transcript is on its way to your e-mail.")


def add_attachment(
    session: ChatSession,
    *,
    sender: str,
    author: User | None,
    name: str,
    content: bytes,
    declared_type: str = "",
) -> ChatMessage:
    content_file, fields = attachment_files.prepare(
        attachment_files.IncomingFile(
            name=name, content=content, declared_type=declared_type
        )
    )
    with transaction.atomic():
        attachment = ChatAttachment(
            session=session,
            original_name=str(fields["original_name"]),
            size=int(str(fields["size"])),
            sha256=str(fields["sha256"]),
            content_type=str(fields["content_type"]),
        )
        attachment_files.save_file(attachment.file, content_file)
        attachment.save()
        return post_message(
            session,
            sender=sender,
            author=author,
            body=attachment.original_name,
            attachment=attachment,
        )


def messages_after(session: ChatSession, after_id: int = 0) -> list[dict[str, Any]]:
    messages = (
        ChatMessage.objects.filter(session=session, pk__gt=after_id)
        .select_related("author", "attachment", "session")
        .order_by("pk")[:500]
    )
    return [payload(m) for m in messages]


# --- tickets ---------------------------------------------------------------------------------


def _transcript(session: ChatSession) -> list[ticket_services.TranscriptEntry]:
    entries = []
    for message in session.messages.select_related("attachment").order_by("pk"):
        if message.sender == Sender.SYSTEM:
            continue
        files: list[ticket_services.IncomingFile] = []
        if message.attachment:
            with message.attachment.file.open("rb") as handle:
                files.append(
                    ticket_services.IncomingFile(
                        name=message.attachment.original_name,
                        content=handle.read(),
                        declared_type=message.attachment.content_type,
                    )
                )
        entries.append(
            ticket_services.TranscriptEntry(
                from_customer=message.sender == Sender.VISITOR,
                author=message.author
                if message.sender == Sender.AGENT
                else session.visitor,
                body_text=message.body,
                sent_at=message.created_at,
                files=files,
            )
        )
    return entries


@transaction.atomic
def convert_to_ticket(
    session: ChatSession, *, agent: User, subject: str = ""
) -> Ticket:
    """Turn the chat into a ticket whose thread is the whole conversation."""
    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if session.ticket_id:
        raise ChatError(
            _("This chat is already on ticket %(ref)s.")
            % {"ref": session.ticket.reference if session.ticket else ""},
            code="already_converted",
        )
    entries = _transcript(session)
    if not entries:
        raise ChatError(_("The conversation is empty."), code="empty")
    first = entries[0]
    subject = subject.strip() or first.body_text.splitlines()[0][:120]
    # The visitor's first line opens the ticket, at the time it was written;
    # the rest of the conversation follows as the thread.
    opening = first if first.from_customer else None
    ticket = ticket_services.open_ticket(
        subject=subject,
        requester=session.visitor,
        channel=Channel.CHAT,
        body_text=opening.body_text
        if opening
        else _("Chat with %(name)s") % {"name": session.visitor_name},
        files=opening.files if opening else (),
        actor=agent,
        team=session.team,
        via=f"chat:{session.pk}",
        opened_at=opening.sent_at if opening else session.created_at,
    )
    rest = entries[1:] if opening else entries
    if rest:
        ticket_services.add_transcript(
            ticket, entries=rest, actor=agent, via=f"chat:{session.pk}"
        )
    ticket = ticket_services.assign(ticket, agent, actor=agent)
    ChatSession.objects.filter(pk=session.pk).update(ticket=ticket)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def attach_to_ticket(session: ChatSession, ticket: Ticket, *, agent: User) -> Ticket:
    if not visible_to(agent).filter(pk=ticket.pk).exists():
        raise ChatError(_("No such ticket."), code="not_found")
    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if session.ticket_id:
        raise ChatError(
            _("This chat is already on a ticket."), code="already_converted"
        )
    entries = _transcript(session)
    if not entries:
        raise ChatError(_("The conversation is empty."), code="empty")
    ticket_services.add_transcript(
        ticket, entries=entries, actor=agent, via=f"chat:{session.pk}"
    )
    ChatSession.objects.filter(pk=session.pk).update(ticket=ticket)
    return ticket


def leave_message(
    widget: ChatWidget, *, name: str, email: str, body: str, user: User | None = None
) -> Ticket:
    """Outside hours or with nobody available: the message becomes a ticket."""
    text = clean_text(body)
    if user is not None and user.is_authenticated:
        requester = user
    else:
        if not email or "@" not in email:
            raise ChatError(_("Please give your e-mail address."), code="invalid_email")
        requester, _created = get_or_create_customer(email, full_name=name)
    return ticket_services.open_ticket(
        subject=text.splitlines()[0][:120],
        body_text=text,
        requester=requester,
        channel=Channel.CHAT,
        team=widget.team,
        via=f"chat-widget:{widget.pk}",
    )


def sessions_for_console(agent: User) -> dict[str, QuerySet[ChatSession]]:
    base = visible_chats(agent).select_related("visitor", "agent", "team", "widget")
    waiting = base.filter(status=SessionStatus.WAITING)
    return {
        "waiting": waiting.order_by("created_at"),
        "mine": base.filter(status=SessionStatus.ACTIVE, agent=agent).order_by(
            "accepted_at"
        ),
    }
