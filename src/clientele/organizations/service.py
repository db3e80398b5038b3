"""Organization use cases. Each opens the unit of work and, when it writes, commits once."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from clientele.errors import found
from clientele.organizations import repository
from clientele.organizations.domain import Organization
from clientele.pagination import Cursor, Page, page
from clientele.uow import UnitOfWork


def _found(organization: Organization | None, organization_id: UUID) -> Organization:
    return found(organization, "organization", organization_id)


async def create_organization(uow: UnitOfWork, *, name: str) -> Organization:
    """Create an organization. Raises InvalidValue."""
    organization = Organization.new(name=name)
    async with uow:
        stored = await repository.add(uow.connection, organization)
        await uow.commit()
    return stored


async def get_organization(uow: UnitOfWork, *, organization_id: UUID) -> Organization:
    """The organization. Raises NotFound."""
    async with uow:
        return _found(await repository.get(uow.connection, organization_id), organization_id)


async def update_organization(
    uow: UnitOfWork, *, organization_id: UUID, changes: Mapping[str, Any]
) -> Organization:
    """Apply a partial update (last writer wins). Raises NotFound, InvalidValue.

    Nothing changed means nothing is written: `updated_at` stays.
    """
    async with uow:
        organization = _found(
            await repository.get(uow.connection, organization_id), organization_id
        )
        if not organization.update_details(changes):
            return organization
        stored = _found(await repository.update(uow.connection, organization), organization_id)
        await uow.commit()
    return stored


async def list_organizations(
    uow: UnitOfWork, *, name_contains: str | None, cursor: Cursor | None, limit: int
) -> Page[Organization]:
    """One page of organizations, newest first; `next_cursor` is None on the last page."""
    async with uow:
        rows = await repository.list_page(
            uow.connection, name_contains=name_contains, cursor=cursor, limit=limit + 1
        )
    return page(rows, limit, lambda last: Cursor.after(last.created_at, last.id))
