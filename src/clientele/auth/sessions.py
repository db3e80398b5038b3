"""Server-side web sessions: the cookie holds a random secret, the table only its hash.

Server-side (not signed cookies) so that logging out, or disabling a user, ends a session at
once, and so that no signing key has to be configured and shared between workers.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from clientele.auth import repository
from clientele.auth.domain import User
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
        await repository.add_session(
            uow.connection,
            id_hash=_hash(secret),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=expires,
        )
        await uow.commit()
    return secret, WebSession(user=user, csrf_token=csrf, expires_at=expires)


async def find_session(uow: UnitOfWork, *, secret: str) -> WebSession | None:
    """The live session for a cookie secret (one query), or None when unknown, expired,
    logged out, or its user was disabled."""
    async with uow:
        found = await repository.find_session(uow.connection, _hash(secret))
    if found is None:
        return None
    user, csrf_token, expires_at = found
    return WebSession(user=user, csrf_token=csrf_token, expires_at=expires_at)


async def end_session(uow: UnitOfWork, *, secret: str) -> None:
    """Log out: the session is deleted, so the cookie is worthless from now on."""
    async with uow:
        await repository.delete_session(uow.connection, _hash(secret))
        await uow.commit()


async def end_user_sessions(uow: UnitOfWork, *, user_id: UUID) -> int:
    """Log a user out everywhere; return how many sessions ended."""
    async with uow:
        ended = await repository.delete_user_sessions(uow.connection, user_id)
        await uow.commit()
    return ended
