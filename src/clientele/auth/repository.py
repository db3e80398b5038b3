"""Auth persistence: API tokens (only hashes are stored), web users, web sessions, failed
logins, and the actor a transaction writes as."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from clientele.auth.domain import Actor, Role, User
from clientele.tables import api_tokens, login_failures, users, web_sessions


async def set_actor(conn: AsyncConnection, label: str) -> None:
    """Name who writes in this transaction (transaction-local), for the history and event
    triggers."""
    await conn.execute(text("SELECT set_config('clientele.actor', :actor, true)"), {"actor": label})


# -- API tokens ------------------------------------------------------------------------------


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


# -- web users -------------------------------------------------------------------------------


async def add_user(
    conn: AsyncConnection, *, username: str, role: Role, password_hash: str
) -> UUID | None:
    """Insert a user; return its id, or None when the username is taken."""
    row = (
        await conn.execute(
            insert(users)
            .values(username=username, role=role.value, password_hash=password_hash)
            .on_conflict_do_nothing(index_elements=["username"])
            .returning(users.c.id)
        )
    ).first()
    return None if row is None else row.id


async def find_user(conn: AsyncConnection, username: str) -> tuple[User, str] | None:
    """The enabled user with this (normalized) name and its password hash, or None."""
    row = (
        await conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.password_hash).where(
                users.c.username == username, users.c.disabled_at.is_(None)
            )
        )
    ).first()
    if row is None:
        return None
    return User(id=row.id, username=row.username, role=Role(row.role)), row.password_hash


async def set_password_hash(conn: AsyncConnection, user_id: UUID, password_hash: str) -> None:
    """Replace a user's password hash (a rehash with newer parameters)."""
    await conn.execute(
        users.update().where(users.c.id == user_id).values(password_hash=password_hash)
    )


# -- web sessions ----------------------------------------------------------------------------


async def add_session(
    conn: AsyncConnection, *, id_hash: bytes, user_id: UUID, csrf_token: str, expires_at: datetime
) -> None:
    """Store a new session, after removing that user's expired ones (the table stays small)."""
    await conn.execute(
        delete(web_sessions).where(
            web_sessions.c.user_id == user_id, web_sessions.c.expires_at <= func.now()
        )
    )
    await conn.execute(
        web_sessions.insert().values(
            id_hash=id_hash, user_id=user_id, csrf_token=csrf_token, expires_at=expires_at
        )
    )


async def find_session(conn: AsyncConnection, id_hash: bytes) -> tuple[User, str, datetime] | None:
    """The user, CSRF token and expiry of a live session (not expired, user enabled), or None."""
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
                web_sessions.c.id_hash == id_hash,
                web_sessions.c.expires_at > func.now(),
                users.c.disabled_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    user = User(id=row.id, username=row.username, role=Role(row.role))
    return user, row.csrf_token, row.expires_at


async def delete_session(conn: AsyncConnection, id_hash: bytes) -> None:
    """Delete one session."""
    await conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))


async def delete_user_sessions(conn: AsyncConnection, user_id: UUID) -> int:
    """Delete every session of a user; return how many there were."""
    result = await conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
    return result.rowcount


# -- failed logins ---------------------------------------------------------------------------


async def lock_login_name(conn: AsyncConnection, username: str) -> None:
    """Serialize the attempts on one username until the transaction ends."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:lock_key, 0))"),
        {"lock_key": f"clientele_login:{username}"},
    )


async def prune_login_failures(
    conn: AsyncConnection, *, username: str, client_ip: str, window: timedelta
) -> None:
    """Drop failures of this name or address older than the window (no longer counted)."""
    await conn.execute(
        delete(login_failures).where(
            (login_failures.c.username == username) | (login_failures.c.client_ip == client_ip),
            login_failures.c.failed_at <= func.now() - window,
        )
    )


async def count_login_failures(
    conn: AsyncConnection, *, username: str, client_ip: str, window: timedelta
) -> tuple[int, int]:
    """Failures within the window for this username, and for this client address."""

    async def count(column: ColumnElement[str], value: str) -> int:
        statement = (
            select(func.count())
            .select_from(login_failures)
            .where(column == value, login_failures.c.failed_at > func.now() - window)
        )
        return int((await conn.execute(statement)).scalar_one())

    return (
        await count(login_failures.c.username, username),
        await count(login_failures.c.client_ip, client_ip),
    )


async def add_login_failure(conn: AsyncConnection, *, username: str, client_ip: str) -> int:
    """Count one failed login; return its id."""
    failure_id: int = (
        await conn.execute(
            login_failures.insert()
            .values(username=username, client_ip=client_ip)
            .returning(login_failures.c.id)
        )
    ).scalar_one()
    return failure_id


async def forget_login_failures(conn: AsyncConnection, *, failure_id: int, username: str) -> None:
    """A login succeeded: remove its counted attempt and that username's failures."""
    await conn.execute(
        delete(login_failures).where(
            (login_failures.c.id == failure_id) | (login_failures.c.username == username)
        )
    )
