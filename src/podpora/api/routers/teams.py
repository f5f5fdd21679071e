"""Teams (departments / queues of agents): agents read them; administrators
create and change them, as in the administration pages."""

from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Schema
from pydantic import Field

from podpora.accounts import services
from podpora.accounts.models import Team, User
from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, not_found
from podpora.api.pagination import paginate
from podpora.api.responses import respond, respond_page
from podpora.api.routers.common import BY_ID, ListQuery, Name, PathId, deactivated
from podpora.api.schemas import TeamOut, TeamPage

router = Router(tags=["teams"])
TierNumber = Annotated[int, Field(ge=1, le=3, description="Support tier: 1, 2 or 3.")]


class TeamIn(Schema):
    name: Name
    description: str = ""
    tier: TierNumber = 1
    agent_ids: list[int] = Field(default_factory=list)
    lead_id: int | None = None
    escalation_team_id: int | None = Field(
        None, description="The next-tier team that takes escalated tickets."
    )


class TeamPatch(Schema):
    name: Name | None = None
    description: str | None = None
    tier: TierNumber | None = None
    agent_ids: list[int] | None = Field(
        None, description="The full list: agents left out leave the team."
    )
    lead_id: int | None = None
    escalation_team_id: int | None = None
    is_active: bool | None = None


def _teams_visible_to(user: User) -> QuerySet[Team]:
    if not user.is_agent:
        return Team.objects.none()
    return Team.objects.select_related("lead").prefetch_related("agents")


def _visible(viewer: User, team_id: int) -> Team:
    team = _teams_visible_to(viewer).filter(pk=team_id).first()
    if team is None:
        raise not_found()
    return team


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


@router.post(
    "/teams", response={201: TeamOut, **ERROR_RESPONSES}, summary="Create a team"
)
def create_team(request: HttpRequest, payload: TeamIn) -> JsonResponse:
    """Administrators only."""
    viewer = caller(request)
    team = services.save_team(viewer, None, **payload.model_dump())
    return respond(TeamOut.from_orm(_visible(viewer, team.pk)), status=201)


@router.get(
    "/teams/{team_id}",
    response={200: TeamOut, **ERROR_RESPONSES},
    summary="Read a team",
)
def read_team(request: HttpRequest, team_id: PathId) -> JsonResponse:
    return respond(TeamOut.from_orm(_visible(caller(request), team_id)))


@router.patch(
    "/teams/{team_id}",
    response={200: TeamOut, **ERROR_RESPONSES},
    summary="Change a team",
)
def update_team(
    request: HttpRequest, team_id: PathId, payload: TeamPatch
) -> JsonResponse:
    """Administrators only; fields left out stay as they are, and `lead_id`
    or `escalation_team_id` sent as `null` clear them."""
    viewer = caller(request)
    team = services.save_team(
        viewer, _visible(viewer, team_id), **payload.model_dump(exclude_unset=True)
    )
    return respond(TeamOut.from_orm(_visible(viewer, team.pk)))


@router.delete(
    "/teams/{team_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Deactivate a team",
)
def deactivate_team(request: HttpRequest, team_id: PathId) -> HttpResponse:
    """Administrators only. Its tickets keep it; it takes no new ones."""
    viewer = caller(request)
    services.save_team(viewer, _visible(viewer, team_id), is_active=False)
    return deactivated()
