"""Change events persistence: sequencing, the feed, retention, backlog counts.

The outbox is written by the triggers of revision 0007, never here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.events.domain import Event

EVENT_COLUMNS = (
    "e.id, e.position, e.type, e.occurred_at, e.customer_id, e.sequence, e.entity_type,"
    " e.entity_id, e.source, e.data"
)


def to_event(row: RowMapping) -> Event:
    """An event from a row selected with EVENT_COLUMNS."""
    return Event(
        id=row["id"],
        position=row["position"],
        type=row["type"],
        occurred_at=row["occurred_at"],
        customer_id=row["customer_id"],
        sequence=row["sequence"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        source=row["source"],
        data=dict(row["data"]),
    )


async def sequence(conn: AsyncConnection, *, batch: int = 5000) -> int | None:
    """Give the next feed positions to events committed since the last call (and queue their
    webhook deliveries). None when another sequencer is at work; the caller must commit."""
    result = await conn.execute(text("SELECT clientele_events_sequence(:batch)"), {"batch": batch})
    done = result.scalar_one()
    return None if done is None else int(done)


@dataclass(frozen=True, slots=True)
class FeedRead:
    events: list[Event]
    head: int


async def read_feed(
    conn: AsyncConnection, *, after: int, types: Sequence[str], limit: int
) -> FeedRead:
    """Sequenced events after `after` in feed order, and the last position given (one
    statement, so both come from one snapshot)."""
    type_filter = "AND e.type = ANY(:types)" if types else ""
    rows = (
        await conn.execute(
            text(
                f"""
                SELECT {EVENT_COLUMNS},
                       (SELECT last_position FROM change_event_feed WHERE id = 1) AS head
                  FROM (SELECT 1) one
                  LEFT JOIN LATERAL (
                      SELECT * FROM change_events e
                       WHERE e.position > :after {type_filter}
                       ORDER BY e.position LIMIT :limit) e ON true
                """
            ),
            {"after": after, "types": list(types), "limit": limit},
        )
    ).mappings()
    events: list[Event] = []
    head = 0
    for row in rows:
        head = int(row["head"])
        if row["id"] is not None:
            events.append(to_event(row))
    return FeedRead(events=events, head=head)


async def backlog_count(conn: AsyncConnection) -> int:
    """Events committed but not yet sequenced, plus webhook deliveries not yet made (for the
    metrics of issue 19)."""
    row = (
        await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM change_events WHERE position IS NULL)"
                " + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')"
            )
        )
    ).scalar_one()
    return int(row)


async def unsequenced_count(conn: AsyncConnection) -> int:
    """Events committed but not yet given a feed position."""
    row = await conn.execute(text("SELECT count(*) FROM change_events WHERE position IS NULL"))
    return int(row.scalar_one())


@dataclass(frozen=True, slots=True)
class PruneStep:
    deleted: int
    last_id: int  # continue after this id
    done: bool  # the walk reached rows newer than the cutoff, or the end


# Each walk: the next `batch` rows by primary key, deleting those the condition allows, and
# whether the walk reached rows newer than the cutoff (or the end). Table and conditions are
# constants here.
_PRUNE = """
WITH walked AS (
    SELECT * FROM {table} WHERE id > :after ORDER BY id LIMIT :batch
), gone AS (
    DELETE FROM {table} t USING walked w WHERE t.id = w.id AND w.{time} < :before AND {keep_unless}
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS deleted, max(id) AS last_id, count(*) AS n,
       bool_or({time} >= :before) AS reached
  FROM walked
"""

_PRUNE_EVENTS = text(
    _PRUNE.format(
        table="change_events",
        time="occurred_at",
        # sequenced, and not needed by a pending delivery
        keep_unless="w.position IS NOT NULL AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
        " WHERE d.event_id = w.id AND d.status = 'pending')",
    )
)

_PRUNE_DELIVERIES = text(
    _PRUNE.format(
        table="webhook_deliveries",
        time="created_at",
        # finished, or for a deleted endpoint
        keep_unless="(w.status <> 'pending' OR w.endpoint_id IN (SELECT id FROM webhook_endpoints"
        " WHERE deleted_at IS NOT NULL))",
    )
)


async def _prune_step(
    conn: AsyncConnection, statement: Any, *, before: datetime, after_id: int, batch: int
) -> PruneStep:
    row = (
        await conn.execute(statement, {"before": before, "after": after_id, "batch": batch})
    ).one()
    done = row.n < batch or bool(row.reached)
    return PruneStep(deleted=int(row.deleted), last_id=int(row.last_id or after_id), done=done)


async def prune_events(
    conn: AsyncConnection, *, before: datetime, after_id: int, batch: int
) -> PruneStep:
    """Delete, among the next `batch` events by id, those that occurred before `before` and that
    no pending delivery needs. Walks the primary key (no table scan); the caller commits between
    steps and continues after `last_id` until `done`."""
    return await _prune_step(conn, _PRUNE_EVENTS, before=before, after_id=after_id, batch=batch)


async def prune_deliveries(
    conn: AsyncConnection, *, before: datetime, after_id: int, batch: int
) -> PruneStep:
    """Delete, among the next `batch` deliveries by id, finished ones (and those of deleted
    endpoints) made before `before`; walks the primary key like `prune_events`."""
    return await _prune_step(conn, _PRUNE_DELIVERIES, before=before, after_id=after_id, batch=batch)
