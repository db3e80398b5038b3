"""Web UI login rate limiting: failed logins counted per username and per client address.

Counted in PostgreSQL (`login_failures`), not in process memory, because `serve --workers N`
runs N processes behind one port: an in-process counter would let an attacker make N times
the attempts, and would forget everything on a restart. Each attempt is recorded as a failure
*before* the password is checked (and removed again when it succeeds), under a per-username
advisory lock, so parallel guesses cannot all slip in before the first failure is counted.
"""

from dataclasses import dataclass
from datetime import timedelta

from clientele.auth import repository
from clientele.config import Settings
from clientele.errors import DomainError
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
        await repository.lock_login_name(conn, name)
        # Old failures of this name and address are no longer counted: drop them.
        await repository.prune_login_failures(
            conn, username=name, client_ip=ip, window=limits.window
        )
        by_user, by_ip = await repository.count_login_failures(
            conn, username=name, client_ip=ip, window=limits.window
        )
        if by_user >= limits.per_user or by_ip >= limits.per_ip:
            raise TooManyLoginAttempts(int(limits.window.total_seconds()))
        failure_id = await repository.add_login_failure(conn, username=name, client_ip=ip)
        await uow.commit()
    return LoginAttempt(failure_id=failure_id, username=name)


async def succeeded(uow: UnitOfWork, *, attempt: LoginAttempt) -> None:
    """The password was right: forget this username's failures (the address keeps its own)."""
    async with uow:
        await repository.forget_login_failures(
            uow.connection, failure_id=attempt.failure_id, username=attempt.username
        )
        await uow.commit()


def login_limits(settings: Settings) -> LoginLimits:
    """The limits configured by CLIENTELE_LOGIN_* (see README)."""
    return LoginLimits(
        per_user=settings.login_max_failures_per_user,
        per_ip=settings.login_max_failures_per_ip,
        window=timedelta(seconds=settings.login_window_s),
    )
