"""Organisations (client companies): agents read them all with their
domains, a customer reads their own; supervisors and administrators
(``manage_clients``) create and change them, as in the client directory."""

from typing import Annotated

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Schema
from pydantic import Field

from podpora.accounts import services
from podpora.accounts.models import Organization, User
from podpora.api.auth import caller
from podpora.api.errors import ERROR_RESPONSES, not_found
from podpora.api.pagination import paginate
from podpora.api.responses import respond, respond_page
from podpora.api.routers.common import BY_ID, ListQuery, Name, PathId, deactivated
from podpora.api.schemas import (
    OrganizationAgentOut,
    OrganizationOut,
    OrganizationPage,
)
from podpora.clients.selectors import organizations_visible_to

router = Router(tags=["organizations"])
Domain = Annotated[str, Field(min_length=1, max_length=253)]


class OrganizationIn(Schema):
    name: Name
    domains: list[Domain] = Field(
        default_factory=list,
        description="E-mail domains whose unknown senders join the organisation.",
    )
    notes: str = ""


class OrganizationPatch(Schema):
    name: Name | None = None
    domains: list[Domain] | None = Field(
        None, description="The full list: domains left out are removed."
    )
    notes: str | None = None
    is_active: bool | None = None


def _org_out(org: Organization, viewer: User) -> OrganizationAgentOut | OrganizationOut:
    if viewer.is_agent:
        return OrganizationAgentOut.from_orm(org)
    return OrganizationOut.from_orm(org)


def visible_organization(viewer: User, organization_id: int) -> Organization:
    """The organisation if ``viewer`` may see it, else 404."""
    org = organizations_visible_to(viewer).filter(pk=organization_id).first()
    if org is None:
        raise not_found()
    return org


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


@router.post(
    "/organizations",
    response={201: OrganizationAgentOut, **ERROR_RESPONSES},
    summary="Create an organisation",
)
def create_organization(request: HttpRequest, payload: OrganizationIn) -> JsonResponse:
    """Supervisors and administrators. A name or domain already in use is a 409."""
    viewer = caller(request)
    org = services.create_organization(
        viewer, name=payload.name, domains=payload.domains, notes=payload.notes
    )
    return respond(_org_out(visible_organization(viewer, org.pk), viewer), status=201)


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationAgentOut | OrganizationOut, **ERROR_RESPONSES},
    summary="Read an organisation",
)
def read_organization(request: HttpRequest, organization_id: PathId) -> JsonResponse:
    viewer = caller(request)
    return respond(_org_out(visible_organization(viewer, organization_id), viewer))


@router.patch(
    "/organizations/{organization_id}",
    response={200: OrganizationAgentOut, **ERROR_RESPONSES},
    summary="Change an organisation",
)
def update_organization(
    request: HttpRequest, organization_id: PathId, payload: OrganizationPatch
) -> JsonResponse:
    """Supervisors and administrators; fields left out stay as they are."""
    viewer = caller(request)
    org = visible_organization(viewer, organization_id)
    services.update_organization(viewer, org, **payload.model_dump(exclude_unset=True))
    return respond(_org_out(visible_organization(viewer, org.pk), viewer))


@router.delete(
    "/organizations/{organization_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Deactivate an organisation",
)
def deactivate_organization(
    request: HttpRequest, organization_id: PathId
) -> HttpResponse:
    """Supervisors and administrators. The organisation stays with its tickets and
    people; its domains no longer place new senders in it."""
    viewer = caller(request)
    services.update_organization(
        viewer, visible_organization(viewer, organization_id), is_active=False
    )
    return deactivated()
