from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, pre_delete
from django.utils.translation import gettext_lazy as _


def _ticket_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    from podpora.desk import counts
    from podpora.tickets.models import Ticket

    # As stored, under a lock: the instance being deleted may be older.
    stored = (
        Ticket.objects.select_for_update()
        .filter(pk=instance.pk)
        .values_list("team_id", "assignee_id", "status")
        .first()
    )
    if stored is not None:
        team, assignee, status = stored
        counts.move((team or 0, assignee or 0, status), None)


def _team_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from podpora.desk import counts

    counts.reassign("team_id", instance.pk)


def _person_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from podpora.desk import counts

    counts.reassign("assignee_id", instance.pk)


class DeskConfig(AppConfig):
    name = "podpora.desk"
    verbose_name = _("Agent desk")

    def ready(self) -> None:
        # Deletions bypass the services (and their hooks): a deleted ticket
        # leaves the counts, and the tickets of a deleted team or person
        # (whose team or assignee the database sets to none) move to "none".
        from podpora.accounts.models import Team, User
        from podpora.tickets.models import Ticket

        pre_delete.connect(_ticket_deleting, sender=Ticket, dispatch_uid="desk_counts")
        post_delete.connect(_team_deleted, sender=Team, dispatch_uid="desk_counts")
        post_delete.connect(_person_deleted, sender=User, dispatch_uid="desk_counts")
