"""The only writers of macros, and applying one to a ticket.

Applying goes through ``tickets.services`` only, so every change lands in
the ticket's history and reaches the hooks (rules, notifications, live
pages) as if the agent had made it by hand.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podpora.accounts.models import Team, User
from podpora.accounts.permissions import Right, can
from podpora.desk.canned import fill, placeholder_values
from podpora.macros import selectors
from podpora.macros.models import Macro
from podpora.tickets import services as tickets
from podpora.tickets.errors import Conflict, InvalidInput, NotAllowed
from podpora.tickets.models import Ticket
from podpora.tickets.selectors import visible_to

MAX_TAGS = 20


def clean_tags(names: Iterable[str]) -> list[str]:
    """As the ticket keeps them: trimmed, lower case, each once."""
    seen = dict.fromkeys(tickets.tag_name(name) for name in names)
    seen.pop("", None)
    return list(seen)


def save_macro(
    user: User,
    macro: Macro,
    *,
    shared: bool,
) -> Macro:
    """Store a new or changed macro as ``user``'s own, or shared with every
    agent (only for those who may share)."""
    if not can(user, Right.WORK_TICKETS):
        raise NotAllowed(_("You are not allowed to do that."))
    if shared and not selectors.can_share(user):
        raise NotAllowed(_("Only supervisors and administrators share macros."))
    if macro.pk and not selectors.editable_by(user).filter(pk=macro.pk).exists():
        raise NotAllowed(_("You are not allowed to change this macro."))
    if (
        macro.team_id
        and not selectors.settable_teams(user).filter(pk=macro.team_id).exists()
    ):
        raise InvalidInput(_("Choose an active team."))
    macro.tags = clean_tags(macro.tags)[:MAX_TAGS]
    if not (
        macro.reply.strip()
        or macro.note.strip()
        or macro.status
        or macro.priority
        or macro.team_id
        or macro.tags
    ):
        raise InvalidInput(_("A macro must do something: fill in at least one field."))
    macro.owner = None if shared else user
    macro.created_by = macro.created_by or user
    macro.updated_at = timezone.now()
    macro.save()
    return macro


def delete_macro(user: User, macro: Macro) -> None:
    if not selectors.editable_by(user).filter(pk=macro.pk).exists():
        raise NotAllowed(_("You are not allowed to change this macro."))
    macro.delete()


@transaction.atomic
def apply_macro(
    macro: Macro,
    ticket: Ticket,
    *,
    actor: User,
    expected_version: int | None = None,
    via: str = "desk",
) -> Ticket:
    """Send the macro's reply, add its note and set its fields, all or
    nothing. The placeholders are filled for this ticket and this agent."""
    if not selectors.usable_by(actor).filter(pk=macro.pk).exists():
        raise NotAllowed(_("You are not allowed to use this macro."))
    if not visible_to(actor).filter(pk=ticket.pk).exists():
        raise NotAllowed(_("You are not allowed to do that."))
    team: Team | None = None
    if macro.team_id:
        team = selectors.settable_teams(actor).filter(pk=macro.team_id).first()
        if team is None:
            raise InvalidInput(
                _("The macro's team is no longer active; edit the macro.")
            )
    if expected_version is not None:
        # Checked once, under the ticket's lock, for every step: a note alone
        # has no version check of its own.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.version != expected_version:
            raise Conflict(
                _("Ticket %(ref)s was changed by someone else since you opened it.")
                % {"ref": locked.reference}
            )
    via = f"{via}:macro:{macro.title}"[:120]
    values = placeholder_values(ticket, actor)
    status = macro.status or None
    if macro.reply.strip():
        tickets.add_reply(
            ticket,
            author=actor,
            body_text=fill(macro.reply, values),
            status=status,
            via=via,
        )
        status = None
    if macro.note.strip():
        tickets.add_note(
            ticket, author=actor, body_text=fill(macro.note, values), via=via
        )
    changes: dict[str, Any] = {}
    if status:
        changes["status"] = status
    if macro.priority:
        changes["priority"] = macro.priority
    if team is not None:
        changes["team"] = team
    if macro.tags:
        own_tags = list(ticket.tags.values_list("name", flat=True))
        changes["tags"] = [*own_tags, *macro.tags]
    if changes:
        ticket = tickets.update_ticket(
            ticket,
            actor=actor,
            via=via,
            **changes,
        )
    return Ticket.objects.get(pk=ticket.pk)
