"""API token persistence (only hashes are stored)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, or_, select, update
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


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What `tokens list` shows: never the secret or its hash."""

    id: UUID
    name: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """live, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "live"


_INFO = (
    api_tokens.c.id,
    api_tokens.c.name,
    api_tokens.c.role,
    api_tokens.c.created_at,
    api_tokens.c.expires_at,
    api_tokens.c.revoked_at,
)


def _info(row: Row[Any, Any, Any, Any, Any, Any]) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


async def list_tokens(conn: AsyncConnection) -> list[TokenInfo]:
    """Every token, oldest first."""
    rows = await conn.execute(select(*_INFO).order_by(api_tokens.c.created_at, api_tokens.c.id))
    return [_info(row) for row in rows]


async def revoke_tokens(
    conn: AsyncConnection, *, token_id: UUID | None, name: str
) -> list[TokenInfo]:
    """Revoke the live token with this id, or every live token with this name; return them."""
    condition = api_tokens.c.id == token_id if token_id is not None else api_tokens.c.name == name
    rows = await conn.execute(
        update(api_tokens)
        .where(condition, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(*_INFO)
    )
    return [_info(row) for row in rows]
