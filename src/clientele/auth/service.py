"""Issuing and checking API tokens."""

import time
from datetime import datetime

from clientele.auth import repository
from clientele.auth.domain import Actor, Role, new_token_secret, token_hash
from clientele.errors import InvalidValue, Unauthenticated
from clientele.uow import UnitOfWork, UnitOfWorkFactory


async def create_token(
    uow: UnitOfWork, *, name: str, role: Role, expires_at: datetime | None = None
) -> str:
    """Issue a token and return its secret, which is shown once and never stored."""
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
        await uow.commit()
    return secret


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
