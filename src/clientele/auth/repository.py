"""API token persistence (only hashes are stored)."""

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.auth.domain import Actor, Role
from clientele.tables import api_tokens


async def add_token(
    conn: AsyncConnection, *, name: str, role: Role, hashed: bytes, expires_at: datetime | None
) -> None:
    """Store a token's hash with its name and role."""
    await conn.execute(
        api_tokens.insert().values(
            name=name, role=role.value, token_hash=hashed, expires_at=expires_at
        )
    )


async def find_actor(conn: AsyncConnection, hashed: bytes) -> Actor | None:
    """The actor of a live (not revoked, not expired) token with this hash, or None."""
    statement = select(api_tokens.c.name, api_tokens.c.role).where(
        api_tokens.c.token_hash == hashed,
        api_tokens.c.revoked_at.is_(None),
        or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > func.now()),
    )
    row = (await conn.execute(statement)).first()
    return None if row is None else Actor(name=row.name, role=Role(row.role))
