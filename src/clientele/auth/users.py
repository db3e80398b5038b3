"""Web UI users: names, roles and argon2id password hashes.

Tokens (service.py) are for programs; users are people who log in to the web UI with a
password. Both become an `Actor`; a user's label is `user:<name>`, so history says who acted.
"""

import functools
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from clientele.audit import repository as audit
from clientele.auth import repository
from clientele.auth.domain import Role
from clientele.auth.domain import User as User  # re-exported: callers import it from here
from clientele.errors import Conflict, InvalidValue
from clientele.uow import UnitOfWork

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# argon2-cffi's defaults (RFC 9106 "low memory" profile: argon2id, t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so an unknown name costs as long as a
    wrong password and response times do not reveal which usernames exist. Made on first use:
    an argon2 hash costs a tenth of a second, which every `clientele` command paid at import."""
    return _hasher.hash(secrets.token_urlsafe(16))


class UserExists(Conflict):
    slug = "user-exists"
    title = "User already exists"


def normalize_username(raw: str) -> str:
    """The stored form of a username (trimmed, lower case). Raises InvalidValue."""
    name = raw.strip().lower()
    if not USERNAME.match(name):
        raise InvalidValue(
            "username",
            "a username is 1-64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    return name


def hash_password(password: str) -> str:
    """An argon2id hash (salted, parameters included) of the password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches `stored_hash`; False for a mismatch or a damaged hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A generated password: 16 random URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


async def create_user(
    uow: UnitOfWork, *, username: str, role: Role, actor: str | None = None
) -> tuple[User, str]:
    """Create a user with a generated password; return it with the password, which is shown
    once and never stored. Audited as `actor` (default: the local operator).
    Raises InvalidValue (username), UserExists."""
    name = normalize_username(username)
    password = new_password()
    async with uow:
        user_id = await repository.add_user(
            uow.connection, username=name, role=role, password_hash=hash_password(password)
        )
        if user_id is None:
            raise UserExists(f"a user named {name} already exists")
        await audit.record(
            uow.connection,
            actor=actor or audit.local_operator(),
            action="users.create",
            outcome=audit.SUCCESS,
            target={"username": name, "role": role.value},
        )
        await uow.commit()
    return User(id=user_id, username=name, role=role), password


async def authenticate_user(uow: UnitOfWork, *, username: str, password: str) -> User | None:
    """The enabled user with this name and password, or None (same cost either way).

    A hash made with older parameters is upgraded on a successful login.
    """
    try:
        name = normalize_username(username)
    except InvalidValue:
        name = None
    async with uow:
        found = await repository.find_user(uow.connection, name) if name else None
        if found is None:
            verify_password(_dummy_hash(), password)
            return None
        user, stored = found
        if not verify_password(stored, password):
            return None
        if _hasher.check_needs_rehash(stored):
            await repository.set_password_hash(uow.connection, user.id, hash_password(password))
            await uow.commit()
    return user
