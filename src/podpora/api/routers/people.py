"""Users, organisations and teams, as far as the caller may see them.

Agents look people up to open tickets on their behalf, so they see everyone;
a customer sees themselves and, as an organisation's manager, its members.
"""

from typing import Annotated

from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from podpora.accounts.models import Membership, MembershipRole, Organization, Team, User
from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, not_found
from podpora.api.pagination import DEFAULT_LIMIT, paginate
from podpora.api.responses import respond, respond_page
from podpora.api.schemas import (
    OrganizationAgentOut,
    OrganizationOut,
    OrganizationPage,
    TeamOut,
    TeamPage,
    UserAgentOut,
    UserOut,
    UserPage,
)

router = Router(tags=["people"])
PathId = Annotated[int, Path(ge=1, le=2**62)]
BY_ID = {"id": "pk", "-id": "-pk"}


class ListQuery(Schema):
    sort: str = Field("id", description="id or -id")
    cursor: Annotated[str, Field(max_length=512)] | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=100)


def _managed(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, role=MembershipRole.MANAGER)


def users_visible_to(user: User) -> QuerySet[User]:
    users = User.objects.all()
    if user.is_agent:
        return users.prefetch_related("memberships__organization", "teams")
    managed = _managed(user).values("organization_id")
    return users.filter(
        Q(pk=user.pk) | Q(memberships__organization__in=managed)
    ).distinct()


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    if user.is_agent:
        return Organization.objects.prefetch_related("domains")
    return Organization.objects.filter(memberships__user=user).distinct()


def _user_out(person: User, viewer: User) -> UserAgentOut | UserOut:
    if viewer.is_agent:
        return UserAgentOut.from_orm(person)
    return UserOut.from_orm(person)


def _org_out(org: Organization, viewer: User) -> OrganizationAgentOut | OrganizationOut:
    if viewer.is_agent:
        return OrganizationAgentOut.from_orm(org)
    return OrganizationOut.from_orm(org)


@router.get("/users", response={200: UserPage, **ERROR_RESPONSES}, summary="List users")
def list_users(request: HttpRequest, query: Query[ListQuery]) -> JsonResponse:
    viewer = caller(request)
    page = paginate(
        users_visible_to(viewer),
        sort=query.sort,
        allowed=BY_ID,
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page((_user_out(u, viewer) for u in page.items), page.next_cursor)


@router.get(
    "/users/me",
    response={200: UserAgentOut | UserOut, **ERROR_RESPONSES},
    summary="Who am I",
)
def me(request: HttpRequest) -> JsonResponse:
    viewer = caller(request)
    return respond(_user_out(users_visible_to(viewer).get(pk=viewer.pk), viewer))


@router.get(
    "/users/{user_id}",
    response={200: UserAgentOut | UserOut, **ERROR_RESPONSES},
    summary="Read a user",
)
def read_user(request: HttpRequest, user_id: PathId) -> JsonResponse:
    viewer = caller(request)
    person = users_visible_to(viewer).filter(pk=user_id).first()
    if person is None:
        raise not_found()
    return respond(_user_out(person, viewer))


@router.get(
    "/organizations",
    response={200: OrganizationPage, **ERROR_RESPONSES},
    summary="List organisations",
)
def list_organizations(request: HttpRequest, query: Query[ListQuery]) -> JsonResponse:
    viewer = caller(request)
    page = paginate(
        organizations_visible_to(viewer),
        sort=query.sort,
        allowed=BY_ID,
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page((_org_out(o, viewer) for o in page.items), page.next_cursor)


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationAgentOut | OrganizationOut, **ERROR_RESPONSES},
    summary="Read an organisation",
)
def read_organization(request: HttpRequest, organization_id: PathId) -> JsonResponse:
    viewer = caller(request)
    org = organizations_visible_to(viewer).filter(pk=organization_id).first()
    if org is None:
        raise not_found()
    return respond(_org_out(org, viewer))


def _teams_visible_to(user: User) -> QuerySet[Team]:
    if not user.is_agent:
        return Team.objects.none()
    return Team.objects.prefetch_related("agents")


@router.get("/teams", response={200: TeamPage, **ERROR_RESPONSES}, summary="List teams")
def list_teams(request: HttpRequest, query: Query[ListQuery]) -> JsonResponse:
    """Agents only; customers get an empty list."""
    page = paginate(
        _teams_visible_to(caller(request)),
        sort=query.sort,
        allowed=BY_ID,
        cursor=query.cursor,
        limit=query.limit,
    )
    return respond_page((TeamOut.from_orm(t) for t in page.items), page.next_cursor)


@router.get(
    "/teams/{team_id}",
    response={200: TeamOut, **ERROR_RESPONSES},
    summary="Read a team",
)
def read_team(request: HttpRequest, team_id: PathId) -> JsonResponse:
    team = _teams_visible_to(caller(request)).filter(pk=team_id).first()
    if team is None:
        raise not_found()
    return respond(TeamOut.from_orm(team))
