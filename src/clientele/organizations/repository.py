"""Organization persistence: each function runs one SQL statement; rows map explicitly."""

from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.organizations.domain import Organization, like_pattern
from clientele.pagination import Cursor
from clientele.tables import organizations


def _to_organization(row: RowMapping) -> Organization:
    return Organization(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def add(conn: AsyncConnection, organization: Organization) -> Organization:
    """Insert a new organization; the database sets its timestamps."""
    statement = (
        organizations.insert()
        .values(id=organization.id, name=organization.name)
        .returning(organizations)
    )
    return _to_organization((await conn.execute(statement)).mappings().one())


async def get(conn: AsyncConnection, organization_id: UUID) -> Organization | None:
    """The organization with this id, or None."""
    statement = select(organizations).where(organizations.c.id == organization_id)
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else _to_organization(row)


async def update(conn: AsyncConnection, organization: Organization) -> Organization | None:
    """Store the organization's name and touch `updated_at`; None when the row is gone."""
    statement = (
        organizations.update()
        .where(organizations.c.id == organization.id)
        .values(name=organization.name, updated_at=func.now())
        .returning(organizations)
    )
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else _to_organization(row)


def _page_query(name_contains: str | None, cursor: Cursor | None, limit: int) -> Select[Any]:
    statement = select(organizations)
    if name_contains is not None:
        # ILIKE with a leading % still uses the trigram index ix_organizations_name_trgm.
        statement = statement.where(
            organizations.c.name.ilike(like_pattern(name_contains), escape="\\")
        )
    if cursor is not None:
        statement = statement.where(
            tuple_(organizations.c.created_at, organizations.c.id)
            < tuple_(literal(cursor.created_at), literal(cursor.id))
        )
    return statement.order_by(organizations.c.created_at.desc(), organizations.c.id.desc()).limit(
        limit
    )


async def list_page(
    conn: AsyncConnection, *, name_contains: str | None, cursor: Cursor | None, limit: int
) -> list[Organization]:
    """Up to `limit` organizations, newest first, after `cursor`, optionally by name."""
    result = await conn.execute(_page_query(name_contains, cursor, limit))
    return [_to_organization(row) for row in result.mappings()]
