"""Who is calling and what they may do."""

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

TOKEN_PREFIX = "clt_"  # noqa: S105 - a public marker, not a secret


class Role(StrEnum):
    """viewer reads; agent also creates and updates; admin also blocks, merges, manages users."""

    VIEWER = "viewer"
    AGENT = "agent"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, required: "Role") -> bool:
        """True when this role includes everything `required` may do."""
        return self.rank >= required.rank


# Declaration order, computed once: every request checks a role.
_RANKS = {role: rank for rank, role in enumerate(Role)}


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated caller; `label` is what `created_by` and history record."""

    name: str
    role: Role
    kind: str = "token"

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True, slots=True)
class User:
    """A person who logs in to the web UI."""

    id: UUID
    username: str
    role: Role

    @property
    def actor(self) -> Actor:
        """The identity this user acts as; history records `user:<name>`."""
        return Actor(name=self.username, role=self.role, kind="user")


def new_token_secret() -> str:
    """A fresh API token: 256 random bits, prefixed so leaked tokens are recognizable."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """SHA-256 of a token. A 256-bit random secret needs no slow hash; this keeps lookup O(1)."""
    return hashlib.sha256(token.encode()).digest()
