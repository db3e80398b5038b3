"""Webhook persistence: subscriptions, the delivery queue and log, the workers' claims."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.events.domain import Event
from clientele.events.repository import EVENT_COLUMNS, to_event
from clientele.webhooks.domain import Delivery, Endpoint

ENDPOINT_COLUMNS = (
    "id, url, description, event_types, created_by, created_at, consecutive_failures,"
    " paused_at, pause_reason"
)


def _to_endpoint(row: RowMapping) -> Endpoint:
    return Endpoint(
        id=row["id"],
        url=row["url"],
        description=row["description"],
        event_types=tuple(row["event_types"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        consecutive_failures=row["consecutive_failures"],
        paused_at=row["paused_at"],
        pause_reason=row["pause_reason"],
    )


async def add_endpoint(
    conn: AsyncConnection,
    *,
    url: str,
    description: str | None,
    event_types: Sequence[str],
    secret: str,
    created_by: str,
) -> Endpoint:
    """Store a subscription; it receives events sequenced from now on."""
    row = (
        (
            await conn.execute(
                text(
                    f"""
                INSERT INTO webhook_endpoints (url, description, event_types, secret, created_by)
                VALUES (:url, :description, :types, :secret, :created_by)
                RETURNING {ENDPOINT_COLUMNS}
                """
                ),
                {
                    "url": url,
                    "description": description,
                    "types": list(event_types),
                    "secret": secret,
                    "created_by": created_by,
                },
            )
        )
        .mappings()
        .one()
    )
    return _to_endpoint(row)


async def list_endpoints(conn: AsyncConnection) -> list[Endpoint]:
    """Every subscription not deleted, oldest first."""
    rows = await conn.execute(
        text(
            f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE deleted_at IS NULL"
            " ORDER BY created_at, id"
        )
    )
    return [_to_endpoint(r) for r in rows.mappings()]


async def get_endpoint(conn: AsyncConnection, endpoint_id: UUID) -> Endpoint | None:
    """A subscription not deleted."""
    row = (
        (
            await conn.execute(
                text(
                    f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints"
                    " WHERE id = :id AND deleted_at IS NULL"
                ),
                {"id": endpoint_id},
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _to_endpoint(row)


async def delete_endpoint(conn: AsyncConnection, endpoint_id: UUID) -> bool:
    """Stop a subscription (its pending deliveries are dropped by retention). False when none."""
    result = await conn.execute(
        text(
            "UPDATE webhook_endpoints SET deleted_at = now() WHERE id = :id AND deleted_at IS NULL"
        ),
        {"id": endpoint_id},
    )
    return result.rowcount == 1


async def resume_endpoint(conn: AsyncConnection, endpoint_id: UUID) -> bool:
    """Deliver to a paused endpoint again, starting now. False when there is none."""
    result = await conn.execute(
        text(
            "UPDATE webhook_endpoints SET paused_at = NULL, pause_reason = NULL,"
            " consecutive_failures = 0 WHERE id = :id AND deleted_at IS NULL"
        ),
        {"id": endpoint_id},
    )
    if result.rowcount != 1:
        return False
    await conn.execute(
        text(
            "UPDATE webhook_deliveries SET next_attempt_at = now()"
            " WHERE endpoint_id = :id AND status = 'pending' AND next_attempt_at > now()"
        ),
        {"id": endpoint_id},
    )
    return True


DELIVERY_COLUMNS = (
    "d.id, d.endpoint_id, d.event_id, e.type AS event_type, d.customer_id, d.status,"
    " d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error,"
    " d.delivered_at, d.created_at"
)


def _to_delivery(row: RowMapping) -> Delivery:
    return Delivery(**{f.name: row[f.name] for f in fields(Delivery)})


async def list_deliveries(
    conn: AsyncConnection,
    endpoint_id: UUID,
    *,
    status: str | None,
    before_id: int | None,
    limit: int,
) -> list[Delivery]:
    """An endpoint's deliveries, newest first (one statement)."""
    rows = await conn.execute(
        text(
            f"""
            SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d
              LEFT JOIN change_events e ON e.id = d.event_id
             WHERE d.endpoint_id = :endpoint
               AND (CAST(:status AS text) IS NULL OR d.status = :status)
               AND (CAST(:before AS bigint) IS NULL OR d.id < :before)
             ORDER BY d.id DESC LIMIT :limit
            """
        ),
        {"endpoint": endpoint_id, "status": status, "before": before_id, "limit": limit},
    )
    return [_to_delivery(r) for r in rows.mappings()]


async def replay_delivery(
    conn: AsyncConnection, endpoint_id: UUID, delivery_id: int
) -> tuple[Delivery | None, bool]:
    """Queue a delivery again now (its retry clock restarts). Returns the delivery (None when
    there is none) and whether its event is still kept."""
    row = (
        (
            await conn.execute(
                text(
                    f"""
                WITH replayed AS (
                    UPDATE webhook_deliveries d
                       SET status = 'pending', next_attempt_at = now(), due_since = now(),
                           delivered_at = NULL
                     WHERE d.id = :id AND d.endpoint_id = :endpoint
                       AND EXISTS (SELECT 1 FROM change_events e WHERE e.id = d.event_id)
                    RETURNING d.*
                )
                SELECT {DELIVERY_COLUMNS}, true AS replayed FROM replayed d
                  JOIN change_events e ON e.id = d.event_id
                UNION ALL
                SELECT {DELIVERY_COLUMNS}, false FROM webhook_deliveries d
                  LEFT JOIN change_events e ON e.id = d.event_id
                 WHERE d.id = :id AND d.endpoint_id = :endpoint
                   AND NOT EXISTS (SELECT 1 FROM replayed)
                """
                ),
                {"id": delivery_id, "endpoint": endpoint_id},
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None, False
    return _to_delivery(row), bool(row["replayed"])


# --------------------------------------------------------------------------------------------
# The workers' queue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery with what its attempt needs. `event` is None once retention removed
    it."""

    delivery_id: int
    endpoint_id: UUID
    customer_id: UUID
    position: int
    attempts: int
    due_since: datetime
    url: str
    secret: str
    event: Event | None


async def claim(conn: AsyncConnection, *, lanes: int, per_lane: int) -> list[Job]:
    """Lock due deliveries for this transaction: per active endpoint, up to `lanes` customers
    whose earliest pending delivery is due and not locked by another worker, and with it up to
    `per_lane - 1` of that customer's next ones. Returns them in lane order. Another worker
    never gets a delivery of a claimed customer: it is not the earliest pending, or locked."""
    heads = (
        await conn.execute(
            text(
                """
                SELECT h.id, h.endpoint_id, h.customer_id, h.position
                  FROM webhook_endpoints w
                 CROSS JOIN LATERAL (
                     SELECT d.id, d.endpoint_id, d.customer_id, d.position
                       FROM webhook_deliveries d
                      WHERE d.endpoint_id = w.id AND d.status = 'pending'
                        AND d.next_attempt_at <= now()
                        -- the lane's head. Not NOT EXISTS (... p.position < d.position): with
                        -- the statistics of a table that just filled, the planner answered
                        -- that from the due index, scanning every pending delivery per head
                        -- (0.5-0.8 s per claim at 5,000 pending); ORDER BY position LIMIT 1
                        -- only the lane index gives without a sort.
                        AND d.position = (
                            SELECT p.position FROM webhook_deliveries p
                             WHERE p.endpoint_id = d.endpoint_id
                               AND p.customer_id = d.customer_id AND p.status = 'pending'
                             ORDER BY p.position LIMIT 1)
                      ORDER BY d.next_attempt_at
                      LIMIT :lanes
                      FOR UPDATE OF d SKIP LOCKED) h
                 WHERE w.deleted_at IS NULL AND w.paused_at IS NULL
                """
            ),
            {"lanes": lanes},
        )
    ).all()
    if not heads:
        return []
    ids = [h.id for h in heads]
    if per_lane > 1:
        # Only the holder of a lane's head takes its followers, so this waits for nobody.
        followers = await conn.execute(
            text(
                """
                SELECT f.id
                  FROM unnest(CAST(:endpoints AS uuid[]), CAST(:customers AS uuid[]),
                              CAST(:positions AS bigint[])) AS l(endpoint_id, customer_id, position)
                 CROSS JOIN LATERAL (
                     SELECT d.id FROM webhook_deliveries d
                      WHERE d.endpoint_id = l.endpoint_id AND d.customer_id = l.customer_id
                        AND d.status = 'pending' AND d.position > l.position
                      ORDER BY d.position LIMIT :more
                      FOR UPDATE OF d) f
                """
            ),
            {
                "endpoints": [h.endpoint_id for h in heads],
                "customers": [h.customer_id for h in heads],
                "positions": [h.position for h in heads],
                "more": per_lane - 1,
            },
        )
        ids.extend(r.id for r in followers)
    rows = await conn.execute(
        text(
            f"""
            SELECT d.id AS delivery_id, d.endpoint_id, d.customer_id AS lane_customer_id,
                   d.position AS lane_position, d.attempts, d.due_since, w.url, w.secret,
                   {EVENT_COLUMNS}
              FROM webhook_deliveries d
              JOIN webhook_endpoints w ON w.id = d.endpoint_id
              LEFT JOIN change_events e ON e.id = d.event_id
             WHERE d.id = ANY(:ids)
             ORDER BY d.endpoint_id, d.customer_id, d.position
            """
        ),
        {"ids": ids},
    )
    return [_to_job(r) for r in rows.mappings()]


def _to_job(row: RowMapping) -> Job:
    return Job(
        delivery_id=row["delivery_id"],
        endpoint_id=row["endpoint_id"],
        customer_id=row["lane_customer_id"],
        position=row["lane_position"],
        attempts=row["attempts"],
        due_since=row["due_since"],
        url=row["url"],
        secret=row["secret"],
        event=None if row["id"] is None else to_event(row),
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to a claimed delivery. `tried` is False for one left pending behind a
    failed one of its customer (it waits until `next_attempt_at`)."""

    delivery_id: int
    status: str
    tried: bool
    at: datetime
    next_attempt_at: datetime
    status_code: int | None = None
    error: str | None = None


async def record(conn: AsyncConnection, outcomes: Sequence[Outcome]) -> None:
    """Write the outcomes of a claimed batch (one statement)."""
    if not outcomes:
        return
    columns: dict[str, list[Any]] = {
        "ids": [o.delivery_id for o in outcomes],
        "statuses": [o.status for o in outcomes],
        "tried": [o.tried for o in outcomes],
        "ats": [o.at for o in outcomes],
        "nexts": [o.next_attempt_at for o in outcomes],
        "codes": [o.status_code for o in outcomes],
        "errors": [o.error for o in outcomes],
    }
    await conn.execute(
        text(
            """
            UPDATE webhook_deliveries d
               SET status = o.status,
                   attempts = d.attempts + CASE WHEN o.tried THEN 1 ELSE 0 END,
                   next_attempt_at = o.next_at,
                   last_attempt_at = CASE WHEN o.tried THEN o.at ELSE d.last_attempt_at END,
                   last_status_code = CASE WHEN o.tried THEN o.code ELSE d.last_status_code END,
                   last_error = CASE WHEN o.tried OR o.error IS NOT NULL THEN o.error
                                     ELSE d.last_error END,
                   delivered_at = CASE WHEN o.status = 'delivered' THEN o.at END
              FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[]),
                          CAST(:tried AS boolean[]), CAST(:ats AS timestamptz[]),
                          CAST(:nexts AS timestamptz[]), CAST(:codes AS smallint[]),
                          CAST(:errors AS text[])) AS o(id, status, tried, at, next_at, code, error)
             WHERE d.id = o.id
            """
        ),
        columns,
    )


async def record_endpoint_health(
    conn: AsyncConnection,
    *,
    endpoint_ids: Sequence[UUID],
    succeeded: Sequence[bool],
    failures_since_success: Sequence[int],
    last_errors: Sequence[str | None],
    pause_after: int,
) -> list[UUID]:
    """Count consecutive failed attempts per endpoint (a success resets the count) and pause an
    endpoint at `pause_after`. Returns the endpoints paused now."""
    rows = await conn.execute(
        text(
            """
            UPDATE webhook_endpoints w
               SET consecutive_failures = CASE WHEN h.ok THEN h.failures
                                               ELSE w.consecutive_failures + h.failures END,
                   paused_at = CASE
                       WHEN w.paused_at IS NULL AND (CASE WHEN h.ok THEN h.failures
                            ELSE w.consecutive_failures + h.failures END) >= :pause_after
                       THEN now() ELSE w.paused_at END,
                   pause_reason = CASE
                       WHEN w.paused_at IS NULL AND (CASE WHEN h.ok THEN h.failures
                            ELSE w.consecutive_failures + h.failures END) >= :pause_after
                       THEN h.error ELSE w.pause_reason END
              FROM unnest(CAST(:ids AS uuid[]), CAST(:ok AS boolean[]),
                          CAST(:failures AS integer[]), CAST(:errors AS text[]))
                   AS h(id, ok, failures, error)
             WHERE w.id = h.id
               AND (h.ok OR h.failures > 0)
               -- all went well and nothing was failing: no write (and no lock that would
               -- make the other workers' batches wait for this one's commit)
               AND NOT (h.ok AND h.failures = 0 AND w.consecutive_failures = 0)
            RETURNING w.id, w.paused_at = now() AS paused_now
            """
        ),
        {
            "ids": list(endpoint_ids),
            "ok": list(succeeded),
            "failures": list(failures_since_success),
            "errors": list(last_errors),
            "pause_after": pause_after,
        },
    )
    return [r.id for r in rows if r.paused_now]


async def next_due(conn: AsyncConnection) -> datetime | None:
    """When the next pending delivery of an active endpoint falls due."""
    row = await conn.execute(
        text(
            """
            SELECT min(n.next_at) FROM webhook_endpoints w
             CROSS JOIN LATERAL (SELECT d.next_attempt_at AS next_at FROM webhook_deliveries d
                                  WHERE d.endpoint_id = w.id AND d.status = 'pending'
                                  ORDER BY d.next_attempt_at LIMIT 1) n
             WHERE w.deleted_at IS NULL AND w.paused_at IS NULL
            """
        )
    )
    value: datetime | None = row.scalar_one()
    return value


async def failures_count(conn: AsyncConnection) -> dict[str, int]:
    """Deliveries exhausted, deliveries currently failing (pending after a failed attempt) and
    paused endpoints (for the metrics of issue 19)."""
    row = (
        await conn.execute(
            text(
                """
                SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'exhausted')
                           AS exhausted,
                       (SELECT count(*) FROM webhook_deliveries
                         WHERE status = 'pending' AND attempts > 0) AS failing,
                       (SELECT count(*) FROM webhook_endpoints
                         WHERE paused_at IS NOT NULL AND deleted_at IS NULL) AS paused_endpoints
                """
            )
        )
    ).one()
    return {
        "exhausted": int(row.exhausted),
        "failing": int(row.failing),
        "paused_endpoints": int(row.paused_endpoints),
    }


async def limit_idle_in_transaction(conn: AsyncConnection, *, seconds: int) -> None:
    """End this session if it idles in its transaction longer (a hung worker frees its locks)."""
    await conn.execute(
        text("SELECT set_config('idle_in_transaction_session_timeout', :v, true)"),
        {"v": f"{seconds}s"},
    )
