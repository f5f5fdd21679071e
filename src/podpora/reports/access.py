"""Who may see which report.

- The dashboard and all exports of it: agents with ``Right.VIEW_REPORTS``
  (supervisors and administrators).
- An organisation's monthly report: those agents, and the customer managers
  of that organisation. Anyone else gets a 404, so that an organisation's
  existence never leaks.
- Ticket rows in any export come from ``tickets.selectors.visible_to``.
"""

from django.db.models import QuerySet

from podpora.accounts.models import Membership, MembershipRole, Organization, User
from podpora.accounts.permissions import Right, can


def can_view_dashboard(user: User | None) -> bool:
    return can(user, Right.VIEW_REPORTS)


def report_organizations(user: User | None) -> QuerySet[Organization]:
    """The organisations whose monthly report ``user`` may open."""
    if can_view_dashboard(user):
        return Organization.objects.all()
    if user is None or not user.is_authenticated or not user.is_active or user.is_agent:
        return Organization.objects.none()
    return Organization.objects.filter(
        pk__in=Membership.objects.filter(user=user, role=MembershipRole.MANAGER).values(
            "organization_id"
        )
    )
