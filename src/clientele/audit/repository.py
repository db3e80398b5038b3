"""Audit events: insert one, read them newest first."""

import getpass
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.tables import audit_events

SUCCESS = "success"
DENIED = "denied"  # 401/403: the caller may not do this
FAILED = "failed"  # another 4xx: refused by a rule, nothing written
ERROR = "error"  # 5xx or an exception: rolled back


def outcome_of(status_code: int) -> str:
    """The outcome recorded for an HTTP status."""
    if status_code < 400:
        return SUCCESS
    if status_code in (401, 403):
        return DENIED
    if status_code < 500:
        return FAILED
    return ERROR


def local_operator() -> str:
    """The label of whoever runs a local command (`cli:<os user>`)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in a bare container
        return "cli:unknown"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    target: dict[str, Any]
    outcome: str
    status_code: int | None
    request_id: str | None


async def record(
    conn: AsyncConnection,
    *,
    actor: str,
    action: str,
    outcome: str,
    target: Mapping[str, Any] | None = None,
    status_code: int | None = None,
    request_id: str | None = None,
) -> None:
    """Append one event (in the caller's transaction)."""
    await conn.execute(
        audit_events.insert().values(
            actor=actor[:200],
            action=action[:300],
            target=dict(target or {}),
            outcome=outcome,
            status_code=status_code,
            request_id=request_id,
        )
    )


async def list_events(
    conn: AsyncConnection, *, limit: int, before_id: int | None, actor: str | None
) -> Sequence[AuditEvent]:
    """Up to `limit` events older than `before_id`, newest first (one query)."""
    statement = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
    if before_id is not None:
        statement = statement.where(audit_events.c.id < before_id)
    if actor is not None:
        statement = statement.where(audit_events.c.actor == actor)
    rows = (await conn.execute(statement)).all()
    return [
        AuditEvent(
            id=row.id,
            occurred_at=row.occurred_at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            outcome=row.outcome,
            status_code=row.status_code,
            request_id=row.request_id,
        )
        for row in rows
    ]
