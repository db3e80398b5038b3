"""Issuing and checking API tokens."""

import time
from datetime import datetime
from uuid import UUID

from clientele.audit import repository as audit
from clientele.auth import repository
from clientele.auth.domain import Actor, Role, new_token_secret, token_hash
from clientele.errors import InvalidValue, NotFound, Unauthenticated
from clientele.uow import UnitOfWork, UnitOfWorkFactory


async def create_token(
    uow: UnitOfWork,
    *,
    name: str,
    role: Role,
    expires_at: datetime | None = None,
    actor: str | None = None,
) -> str:
    """Issue a token and return its secret, which is shown once and never stored. Audited as
    `actor` (default: the local operator). Raises InvalidValue."""
    if not name.strip():
        raise InvalidValue("name", "a token needs a name")
    secret = new_token_secret()
    async with uow:
        await repository.add_token(
            uow.connection,
            name=name.strip(),
            role=role,
            hashed=token_hash(secret),
            expires_at=expires_at,
        )
        await audit.record(
            uow.connection,
            actor=actor or audit.local_operator(),
            action="tokens.create",
            outcome=audit.SUCCESS,
            target={"name": name.strip(), "role": role.value},
        )
        await uow.commit()
    return secret


async def list_tokens(uow: UnitOfWork) -> list[repository.TokenInfo]:
    """Every token with its state; secrets are never stored, so never shown."""
    async with uow:
        return await repository.list_tokens(uow.connection)


async def revoke_token(
    uow: UnitOfWork, *, name_or_id: str, actor: str | None = None
) -> list[repository.TokenInfo]:
    """Revoke the token with this id, or every live token with this name; audited. Servers
    stop accepting it within their cache time (30 s). Raises NotFound when nothing was live."""
    try:
        token_id: UUID | None = UUID(name_or_id)
    except ValueError:
        token_id = None
    async with uow:
        revoked = await repository.revoke_tokens(
            uow.connection, token_id=token_id, name=name_or_id.strip()
        )
        if not revoked:
            raise NotFound(f"no live token is named or numbered {name_or_id!r}")
        for token in revoked:
            await audit.record(
                uow.connection,
                actor=actor or audit.local_operator(),
                action="tokens.revoke",
                outcome=audit.SUCCESS,
                target={"token_id": str(token.id), "name": token.name},
            )
        await uow.commit()
    return revoked


class TokenAuthenticator:
    """Resolves bearer tokens to actors, remembering answers briefly.

    Every API request authenticates; caching the hash -> actor answer for `ttl_s` seconds keeps
    that off the database. A revoked token therefore stops working within `ttl_s`.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, *, ttl_s: float = 30.0) -> None:
        self._uow_factory = uow_factory
        self._ttl_s = ttl_s
        self._cache: dict[bytes, tuple[Actor, float]] = {}

    async def authenticate(self, token: str) -> Actor:
        """The token's actor. Raises Unauthenticated for an unknown, revoked or expired token."""
        hashed = token_hash(token)
        cached = self._cache.get(hashed)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self._uow_factory() as uow:
            actor = await repository.find_actor(uow.connection, hashed)
        if actor is None:
            self._cache.pop(hashed, None)
            raise Unauthenticated("the bearer token is unknown, revoked or expired")
        self._cache[hashed] = (actor, now + self._ttl_s)
        return actor
