"""Users, as far as the caller may see them, and customers' accounts.

Agents look people up to open tickets on their behalf, so they see everyone;
a customer sees themselves and, as an organisation's manager, its members.
Writes carry the UI's rights: any agent adds a customer as a member (as an
invitation does); changing, deactivating and making managers takes the
right to manage clients (supervisors and administrators). Agents' own accounts are managed in the administration.
"""

from typing import Annotated

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Schema
from pydantic import Field

from podpora.accounts import services
from podpora.accounts.models import Membership, MembershipRole, User
from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, not_found
from podpora.api.pagination import paginate
from podpora.api.responses import respond, respond_page
from podpora.api.routers.common import BY_ID, ListQuery, PathId, deactivated
from podpora.api.routers.organizations import visible_organization
from podpora.api.schemas import UserAgentOut, UserOut, UserPage

router = Router(tags=["people"])
PersonName = Annotated[str, Field(max_length=200)]
Phone = Annotated[str, Field(max_length=40)]
Language = Annotated[str, Field(max_length=5, description="en, pl, cs, or empty")]
TimeZone = Annotated[str, Field(max_length=64, description="e.g. Europe/Warsaw")]


class CustomerIn(Schema):
    email: Annotated[str, Field(max_length=254)]
    name: PersonName = ""
    phone: Phone = ""
    language: Language = ""
    time_zone: TimeZone = ""
    organization_id: int | None = Field(
        None,
        description="Without it, the organisation that owns the address's domain.",
    )
    role: MembershipRole = MembershipRole.MEMBER


class CustomerPatch(Schema):
    name: PersonName | None = None
    phone: Phone | None = None
    language: Language | None = None
    time_zone: TimeZone | None = None
    is_active: bool | None = None


class MembershipIn(Schema):
    role: MembershipRole = MembershipRole.MEMBER


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


def _user_out(person: User, viewer: User) -> UserAgentOut | UserOut:
    if viewer.is_agent:
        return UserAgentOut.from_orm(person)
    return UserOut.from_orm(person)


def _visible(viewer: User, user_id: int) -> User:
    person = users_visible_to(viewer).filter(pk=user_id).first()
    if person is None:
        raise not_found()
    return person


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


@router.post(
    "/users",
    response={201: UserAgentOut, **ERROR_RESPONSES},
    summary="Add a customer",
)
def create_customer(request: HttpRequest, payload: CustomerIn) -> JsonResponse:
    """Agents; making someone an organisation's manager takes a supervisor
    or an administrator. An address that already has an account is a 409. No mail
    is sent: invite people from the portal when they should sign in."""
    viewer = caller(request)
    organization = (
        visible_organization(viewer, payload.organization_id)
        if payload.organization_id is not None
        else None
    )
    person = services.create_customer(
        viewer,
        email=payload.email,
        full_name=payload.name,
        phone=payload.phone,
        language=payload.language,
        time_zone=payload.time_zone,
        organization=organization,
        role=payload.role,
    )
    return respond(_user_out(_visible(viewer, person.pk), viewer), status=201)


@router.get(
    "/users/me",
    response={200: UserAgentOut | UserOut, **ERROR_RESPONSES},
    summary="Who am I",
)
def me(request: HttpRequest) -> JsonResponse:
    viewer = caller(request)
    return respond(_user_out(_visible(viewer, viewer.pk), viewer))


@router.get(
    "/users/{user_id}",
    response={200: UserAgentOut | UserOut, **ERROR_RESPONSES},
    summary="Read a user",
)
def read_user(request: HttpRequest, user_id: PathId) -> JsonResponse:
    viewer = caller(request)
    return respond(_user_out(_visible(viewer, user_id), viewer))


@router.patch(
    "/users/{user_id}",
    response={200: UserAgentOut, **ERROR_RESPONSES},
    summary="Change a customer",
)
def update_customer(
    request: HttpRequest, user_id: PathId, payload: CustomerPatch
) -> JsonResponse:
    """Supervisors and administrators; fields left out stay as they are."""
    viewer = caller(request)
    changes = payload.model_dump(exclude_unset=True)
    if "name" in changes:
        changes["full_name"] = changes.pop("name")
    services.update_customer(viewer, _visible(viewer, user_id), **changes)
    return respond(_user_out(_visible(viewer, user_id), viewer))


@router.delete(
    "/users/{user_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Deactivate a customer",
)
def deactivate_customer(request: HttpRequest, user_id: PathId) -> HttpResponse:
    """Supervisors and administrators. The person can no longer sign in; their tickets
    stay."""
    viewer = caller(request)
    services.update_customer(viewer, _visible(viewer, user_id), is_active=False)
    return deactivated()


@router.put(
    "/users/{user_id}/memberships/{organization_id}",
    response={200: UserAgentOut, **ERROR_RESPONSES},
    summary="Put a customer in an organisation",
)
def set_membership(
    request: HttpRequest,
    user_id: PathId,
    organization_id: PathId,
    payload: MembershipIn,
) -> JsonResponse:
    """Adds the customer as a member (any agent) or sets their role; a
    manager sees all the organisation's tickets, so making or unmaking one
    takes a supervisor or an administrator."""
    viewer = caller(request)
    services.set_membership(
        viewer,
        _visible(viewer, user_id),
        visible_organization(viewer, organization_id),
        role=payload.role,
    )
    return respond(_user_out(_visible(viewer, user_id), viewer))


@router.delete(
    "/users/{user_id}/memberships/{organization_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Take a customer out of an organisation",
)
def remove_membership(
    request: HttpRequest, user_id: PathId, organization_id: PathId
) -> HttpResponse:
    """Administrators only."""
    viewer = caller(request)
    services.remove_membership(
        viewer, _visible(viewer, user_id), visible_organization(viewer, organization_id)
    )
    return HttpResponse(status=204)
