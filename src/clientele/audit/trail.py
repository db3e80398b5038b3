"""Recording admin actions from the services: the one helper every audited use case goes through.

A change is recorded in the unit of work's own transaction (`Attempt.succeeded()` before the
commit), so the change and its event are durable together or not at all. An attempt that is
refused or fails leaves its event in a transaction of its own after the rollback. Admin reads
(reports, exports, the trail itself) write nothing to be consistent with: `admin_read` records
them in a transaction of their own. The API, the web UI and the command line call the same
services, so they are audited alike; who acted comes from the service's `actor` argument.
"""

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from clientele.audit import repository
from clientele.errors import DomainError
from clientele.observability import request_id_var
from clientele.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Attempt:
    """An admin action under way: who, what, on which ids."""

    uow: UnitOfWork
    actor: str
    action: str
    target: dict[str, Any] = field(default_factory=dict)

    async def succeeded(self, **more: Any) -> None:
        """Record success in the unit of work's open transaction (commits with the change);
        `more` adds to the target (e.g. the new merge's id)."""
        self.target.update(more)
        await _record(self.uow, self, repository.SUCCESS, None)


async def _record(uow: UnitOfWork, attempt: Attempt, outcome: str, status: int | None) -> None:
    await repository.record(
        uow.connection,
        actor=attempt.actor,
        action=attempt.action,
        outcome=outcome,
        target=attempt.target,
        status_code=status,
        request_id=request_id_var.get(),
    )


async def _record_alone(attempt: Attempt, outcome: str, status: int | None) -> None:
    # Never raises: a trail that cannot be written is logged, and must not turn a refusal (or
    # a read) into a different answer.
    try:
        async with attempt.uow as uow:
            await _record(uow, attempt, outcome, status)
            await uow.commit()
    except Exception:
        log.exception("could not write the audit event for %s", attempt.action)


async def record_alone(
    uow: UnitOfWork,
    *,
    actor: str,
    action: str,
    outcome: str,
    target: Mapping[str, Any] | None = None,
    status: int | None = None,
) -> None:
    """Record one event in a transaction of its own. Never raises (logs instead)."""
    await _record_alone(Attempt(uow, actor, action, dict(target or {})), outcome, status)


@asynccontextmanager
async def attempt(
    uow: UnitOfWork, *, actor: str, action: str, target: Mapping[str, Any] | None = None
) -> AsyncIterator[Attempt]:
    """Wrap a change: `async with trail.attempt(uow, ...) as attempt, uow:` then
    `await attempt.succeeded()` before `uow.commit()`. When the block raises, the unit of work
    has rolled back and the refusal (`failed`, `denied`) or error is recorded on its own."""
    underway = Attempt(uow, actor, action, dict(target or {}))
    try:
        yield underway
    except DomainError as error:
        await _record_alone(underway, repository.outcome_of(error.status), error.status)
        raise
    except Exception:
        await _record_alone(underway, repository.ERROR, None)
        raise


@asynccontextmanager
async def admin_read(
    uow: UnitOfWork, *, actor: str, action: str, target: Mapping[str, Any] | None = None
) -> AsyncIterator[Attempt]:
    """Wrap an admin read; `uow` (writable: never a replica's) records its outcome on its own
    after the read, whichever unit of work the read itself used."""
    async with attempt(uow, actor=actor, action=action, target=target) as underway:
        yield underway
    await _record_alone(underway, repository.SUCCESS, None)
