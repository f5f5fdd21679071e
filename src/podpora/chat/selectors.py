"""Shared reads of chats, starting from one scope: the team rule of tickets.

A chat belongs to its team (the widget's team, or the team it was handed to).

- supervisors and admins (who see every ticket): every chat;
- agents: their teams' chats, chats not routed to any team, and chats they
  are handling or handled;
- anyone else: none (a visitor reaches their own chat by its token only).

Every chat list, console panel, file download, action and socket push
starts from here; another team's chat is "not found", as tickets are.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from podpora.accounts.models import User
from podpora.accounts.permissions import Right, can
from podpora.chat.models import ChatAttachment, ChatSession


@dataclass(frozen=True)
class ChatScope:
    """Who a user is for chats, read once (a socket keeps it while it lives)."""

    user_id: int | None
    sees_all: bool = False
    team_ids: frozenset[int] = frozenset()

    def allows(self, team_id: int | None, agent_ids: frozenset[int]) -> bool:
        """Whether a chat of ``team_id``, handled by ``agent_ids``, is in scope
        (the same rule as ``visible_chats``, without the database)."""
        if self.user_id is None:
            return False
        return (
            self.sees_all
            or team_id is None
            or team_id in self.team_ids
            or self.user_id in agent_ids
        )


def chat_scope(user: User | None) -> ChatScope:
    if (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or not user.is_agent
    ):
        return ChatScope(user_id=None)
    if can(user, Right.SEE_ALL_TICKETS):
        return ChatScope(user_id=user.pk, sees_all=True)
    return ChatScope(
        user_id=user.pk,
        team_ids=frozenset(user.teams.values_list("pk", flat=True)),
    )


def visible_chats(user: User | None) -> QuerySet[ChatSession]:
    """The chats ``user`` may see (see the module's docstring)."""
    chats = ChatSession.objects.all()
    scope = chat_scope(user)
    if scope.user_id is None:
        return chats.none()
    if scope.sees_all:
        return chats
    return chats.filter(
        Q(team__in=scope.team_ids) | Q(team__isnull=True) | Q(agent=scope.user_id)
    )


def visible_attachments(user: User | None) -> QuerySet[ChatAttachment]:
    return ChatAttachment.objects.filter(session__in=visible_chats(user).values("pk"))
