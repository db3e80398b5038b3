"""Server-side web sessions: the cookie holds a random secret, the table only its hash.

Server-side (not signed cookies) so that logging out, or disabling a user, ends a session at
once, and so that no signing key has to be configured and shared between workers.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.auth.domain import Role
from clientele.auth.users import User
from clientele.tables import users, web_sessions
from clientele.uow import UnitOfWork

# An agent's working day; after that the browser logs in again.
SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class WebSession:
    user: User
    csrf_token: str
    expires_at: datetime


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def start_session(uow: UnitOfWork, *, user: User) -> tuple[str, WebSession]:
    """Open a session for a user who just logged in; return the cookie secret and the session.

    Also removes that user's expired sessions, so the table does not grow without bound.
    """
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + SESSION_LIFETIME
    async with uow:
        conn = uow.connection
        await conn.execute(
            delete(web_sessions).where(
                web_sessions.c.user_id == user.id, web_sessions.c.expires_at <= func.now()
            )
        )
        await conn.execute(
            web_sessions.insert().values(
                id_hash=_hash(secret), user_id=user.id, csrf_token=csrf, expires_at=expires
            )
        )
        await uow.commit()
    return secret, WebSession(user=user, csrf_token=csrf, expires_at=expires)


async def _find(conn: AsyncConnection, secret: str) -> WebSession | None:
    row = (
        await conn.execute(
            select(
                users.c.id,
                users.c.username,
                users.c.role,
                web_sessions.c.csrf_token,
                web_sessions.c.expires_at,
            )
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(
                web_sessions.c.id_hash == _hash(secret),
                web_sessions.c.expires_at > func.now(),
                users.c.disabled_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    user = User(id=row.id, username=row.username, role=Role(row.role))
    return WebSession(user=user, csrf_token=row.csrf_token, expires_at=row.expires_at)


async def find_session(uow: UnitOfWork, *, secret: str) -> WebSession | None:
    """The live session for a cookie secret (one query), or None when unknown, expired,
    logged out, or its user was disabled."""
    async with uow:
        return await _find(uow.connection, secret)


async def end_session(uow: UnitOfWork, *, secret: str) -> None:
    """Log out: the session is deleted, so the cookie is worthless from now on."""
    async with uow:
        await uow.connection.execute(
            delete(web_sessions).where(web_sessions.c.id_hash == _hash(secret))
        )
        await uow.commit()


async def end_user_sessions(uow: UnitOfWork, *, user_id: UUID) -> int:
    """Log a user out everywhere; return how many sessions ended."""
    async with uow:
        result = await uow.connection.execute(
            delete(web_sessions).where(web_sessions.c.user_id == user_id)
        )
        await uow.commit()
    return result.rowcount
