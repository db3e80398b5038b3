"""Organization routes under /api/v1/organizations."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from clientele.deps import Agent, UoW, Viewer
from clientele.listing import Paging, page_read
from clientele.openapi import COMMON_ERRORS, Responses, problem_response
from clientele.organizations import service
from clientele.organizations.schemas import (
    OrganizationCreate,
    OrganizationPageRead,
    OrganizationRead,
    OrganizationUpdate,
)

router = APIRouter(prefix="/organizations", tags=["organizations"])


NOT_FOUND: Responses = {404: problem_response("No organization with this id.")}

NameFilter = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Case-insensitive part of the name; `%`, `_` and `\\` are plain text.",
        examples=["apollo"],
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an organization",
    responses=COMMON_ERRORS,
)
async def create_organization(
    body: OrganizationCreate, uow: UoW, actor: Agent, response: Response
) -> OrganizationRead:
    """Create an organization; the answer's `Location` names it."""
    organization = await service.create_organization(uow, name=body.name)
    response.headers["Location"] = f"/api/v1/organizations/{organization.id}"
    return OrganizationRead.of(organization)


@router.get("", summary="List organizations", responses=COMMON_ERRORS)
async def list_organizations(
    *,
    uow: UoW,
    actor: Viewer,
    q: NameFilter = None,
    paging: Paging,
) -> OrganizationPageRead:
    """Organizations newest first, one page at a time; `q` keeps those whose name contains it."""
    name_contains = q.strip() if q is not None and q.strip() else None
    page = await service.list_organizations(
        uow,
        name_contains=name_contains,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_read(OrganizationPageRead, page, OrganizationRead.of)


@router.get(
    "/{organization_id}",
    summary="Get an organization",
    responses={**COMMON_ERRORS, **NOT_FOUND},
)
async def get_organization(organization_id: UUID, uow: UoW, actor: Viewer) -> OrganizationRead:
    """One organization."""
    organization = await service.get_organization(uow, organization_id=organization_id)
    return OrganizationRead.of(organization)


@router.patch(
    "/{organization_id}",
    summary="Rename an organization",
    responses={**COMMON_ERRORS, **NOT_FOUND},
)
async def update_organization(
    organization_id: UUID, body: OrganizationUpdate, uow: UoW, actor: Agent
) -> OrganizationRead:
    """Change only the fields sent. Organizations carry no version, so no `If-Match` is needed:
    the last rename wins.
    """
    organization = await service.update_organization(
        uow, organization_id=organization_id, changes=body.model_dump(exclude_unset=True)
    )
    return OrganizationRead.of(organization)
