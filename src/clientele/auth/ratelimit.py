"""Web UI login rate limiting: failed logins counted per username and per client address.

Counted in PostgreSQL (`login_failures`), not in process memory, because `serve --workers N`
runs N processes behind one port: an in-process counter would let an attacker make N times
the attempts, and would forget everything on a restart. Each attempt is recorded as a failure
*before* the password is checked (and removed again when it succeeds), under a per-username
advisory lock, so parallel guesses cannot all slip in before the first failure is counted.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from clientele.config import Settings
from clientele.errors import DomainError
from clientele.tables import login_failures
from clientele.uow import UnitOfWork


class TooManyLoginAttempts(DomainError):
    status = 429
    slug = "too-many-login-attempts"
    title = "Too many failed logins"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after_s // 60 + 1} minutes")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_user: int = 5
    per_ip: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """A counted attempt; `succeeded` un-counts it."""

    failure_id: int
    username: str


def _key(username: str) -> str:
    return username.strip().lower()[:200]


async def _count(
    conn: AsyncConnection, column: ColumnElement[str], value: str, window: timedelta
) -> int:
    statement = (
        select(func.count())
        .select_from(login_failures)
        .where(column == value, login_failures.c.failed_at > func.now() - window)
    )
    return int((await conn.execute(statement)).scalar_one())


async def begin_attempt(
    uow: UnitOfWork, *, username: str, client_ip: str, limits: LoginLimits
) -> LoginAttempt:
    """Count a login attempt as failed until `succeeded` says otherwise. Raises
    TooManyLoginAttempts when the username or the address is over its limit (then nothing is
    counted, and no password is checked)."""
    name = _key(username)
    ip = client_ip[:64]
    async with uow:
        conn = uow.connection
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:lock_key, 0))"),
            {"lock_key": f"clientele_login:{name}"},
        )
        # Old failures of this name and address are no longer counted: drop them.
        await conn.execute(
            delete(login_failures).where(
                (login_failures.c.username == name) | (login_failures.c.client_ip == ip),
                login_failures.c.failed_at <= func.now() - limits.window,
            )
        )
        by_user = await _count(conn, login_failures.c.username, name, limits.window)
        by_ip = await _count(conn, login_failures.c.client_ip, ip, limits.window)
        if by_user >= limits.per_user or by_ip >= limits.per_ip:
            raise TooManyLoginAttempts(int(limits.window.total_seconds()))
        failure_id = (
            await conn.execute(
                login_failures.insert()
                .values(username=name, client_ip=ip)
                .returning(login_failures.c.id)
            )
        ).scalar_one()
        await uow.commit()
    return LoginAttempt(failure_id=failure_id, username=name)


async def succeeded(uow: UnitOfWork, *, attempt: LoginAttempt) -> None:
    """The password was right: forget this username's failures (the address keeps its own)."""
    async with uow:
        await uow.connection.execute(
            delete(login_failures).where(
                (login_failures.c.id == attempt.failure_id)
                | (login_failures.c.username == attempt.username)
            )
        )
        await uow.commit()


def login_limits(settings: Settings) -> LoginLimits:
    """The limits configured by CLIENTELE_LOGIN_* (see README)."""
    return LoginLimits(
        per_user=settings.login_max_failures_per_user,
        per_ip=settings.login_max_failures_per_ip,
        window=timedelta(seconds=settings.login_window_s),
    )
