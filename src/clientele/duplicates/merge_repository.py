"""Merge and undo persistence: lock the customers, move their rows, record and restore them."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.customers.domain import customer_field_names

# Customer columns a merge may fill on the survivor (empty there, set on a duplicate).
FILLABLE_FIELDS = (
    "organization_id",
    "display_name",
    "secondary_phone",
    "whatsapp_number",
    "primary_email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "registration_number",
    "tax_id",
    "website",
)
# Columns an undo writes back from the stored image (bookkeeping columns move forward).
RESTORED_COLUMNS = tuple(
    name
    for name in customer_field_names()
    if name not in {"id", "version", "created_by", "updated_by", "created_at", "updated_at"}
)
# The tables whose rows follow a customer into a merge, and the column that points at it.
MOVED_TABLES = {
    "service_tickets": ("id", "customer_id"),
    "equipment": ("id", "customer_id"),
    "customer_contacts": ("id", "customer_id"),
    "customer_legacy_ids": ("legacy_id", "customer_id"),
}


async def lock_customers(conn: AsyncConnection, ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
    """Row-lock the customers in id order (no deadlock between overlapping merges); images."""
    rows = await conn.execute(
        text(
            "SELECT id, to_jsonb(c) AS image FROM customers c WHERE id = ANY(:ids)"
            " ORDER BY id FOR UPDATE"
        ),
        {"ids": list(ids)},
    )
    return {r.id: dict(r.image) for r in rows}


async def customer_images(conn: AsyncConnection, ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
    """The customers' current rows as JSON (after a write, to record them)."""
    rows = await conn.execute(
        text("SELECT id, to_jsonb(c) AS image FROM customers c WHERE id = ANY(:ids)"),
        {"ids": list(ids)},
    )
    return {r.id: dict(r.image) for r in rows}


async def set_merge_source(conn: AsyncConnection) -> None:
    """History versions written in this transaction say source 'merge'."""
    await conn.execute(text("SELECT set_config('clientele.source', 'merge', true)"))


async def insert_merge(
    conn: AsyncConnection,
    *,
    survivor_id: UUID,
    duplicate_ids: Sequence[UUID],
    before: dict[UUID, dict[str, Any]],
    filled: dict[str, Any],
    actor: str,
) -> UUID:
    """Record a merge (the after images are added once written). Returns its id."""
    row = (
        await conn.execute(
            text(
                """
                INSERT INTO merges (survivor_id, duplicate_ids, customers_before, customers_after,
                                    filled_fields, merged_by)
                VALUES (:survivor, :duplicates, CAST(:before AS jsonb), '{}',
                        CAST(:filled AS jsonb), :actor)
                RETURNING id
                """
            ),
            {
                "survivor": survivor_id,
                "duplicates": list(duplicate_ids),
                "before": json.dumps({str(k): v for k, v in before.items()}),
                "filled": json.dumps(filled),
                "actor": actor,
            },
        )
    ).scalar_one()
    return UUID(str(row))


async def move_rows(
    conn: AsyncConnection, *, merge_id: UUID, duplicate_ids: Sequence[UUID], survivor_id: UUID
) -> dict[str, int]:
    """Re-point every dependent row of the duplicates to the survivor, recording each move."""
    counts: dict[str, int] = {}
    for table, (key, column) in MOVED_TABLES.items():
        result = await conn.execute(
            text(
                f"""
                WITH moved AS (
                    UPDATE {table} t SET {column} = :survivor
                      FROM (SELECT {key} AS k, {column} AS old FROM {table}
                             WHERE {column} = ANY(:duplicates) FOR UPDATE) o
                     WHERE t.{key} = o.k
                 RETURNING t.{key} AS k, o.old
                )
                INSERT INTO merge_moves (merge_id, table_name, row_key, from_customer_id,
                                         to_customer_id)
                SELECT :merge, '{table}', k::text, old, :survivor FROM moved
                """
            ),
            {"survivor": survivor_id, "duplicates": list(duplicate_ids), "merge": merge_id},
        )
        counts[table] = result.rowcount
    return counts


async def mark_duplicates_merged(
    conn: AsyncConnection, *, duplicate_ids: Sequence[UUID], survivor_id: UUID, actor: str
) -> None:
    """Point the duplicates at the survivor; active ones become inactive (frees their phone)."""
    await conn.execute(
        text(
            """
            UPDATE customers
               SET merged_into_id = :survivor,
                   status = CASE status WHEN 'active' THEN 'inactive' ELSE status END,
                   version = version + 1, updated_at = now(), updated_by = :actor
             WHERE id = ANY(:ids)
            """
        ),
        {"survivor": survivor_id, "ids": list(duplicate_ids), "actor": actor},
    )


async def fill_survivor(
    conn: AsyncConnection, *, survivor_id: UUID, values: dict[str, Any], actor: str
) -> None:
    """Write the filled fields on the survivor (from JSON values, typed by the table)."""
    columns = [c for c in values if c in FILLABLE_FIELDS]
    await _write_customer_columns(conn, survivor_id, values, columns, actor)


async def _write_customer_columns(
    conn: AsyncConnection,
    customer_id: UUID,
    values: dict[str, Any],
    columns: Sequence[str],
    actor: str,
) -> None:
    """Set `columns` of one customer from JSON values typed by the table (a new version).
    Only columns a merge fills or an undo restores are written."""
    allowed = [c for c in columns if c in FILLABLE_FIELDS or c in RESTORED_COLUMNS]
    if not allowed:
        return
    assignments = ", ".join(f"{c} = v.{c}" for c in allowed)
    await conn.execute(
        text(
            f"""
            UPDATE customers c SET {assignments}, version = c.version + 1, updated_at = now(),
                   updated_by = :actor
              FROM jsonb_populate_record(NULL::customers, CAST(:values AS jsonb)) v
             WHERE c.id = :id
            """
        ),
        {"values": json.dumps(values), "id": customer_id, "actor": actor},
    )


async def finish_merge(
    conn: AsyncConnection, *, merge_id: UUID, after: dict[UUID, dict[str, Any]]
) -> None:
    """Store the customers' rows as the merge left them (undo checks nothing changed since)."""
    await conn.execute(
        text("UPDATE merges SET customers_after = CAST(:after AS jsonb) WHERE id = :id"),
        {"after": json.dumps({str(k): v for k, v in after.items()}), "id": merge_id},
    )


async def mark_pairs_merged(
    conn: AsyncConnection, *, merge_id: UUID, ids: Sequence[UUID], actor: str
) -> None:
    """Pairs and groups among the merged customers are decided: merged."""
    await conn.execute(
        text(
            "UPDATE duplicate_pairs SET status = 'merged', decided_at = now(), decided_by = :actor"
            " WHERE customer_a = ANY(:ids) AND customer_b = ANY(:ids) AND status = 'open'"
        ),
        {"ids": list(ids), "actor": actor},
    )
    await conn.execute(
        text(
            "UPDATE duplicate_groups SET status = 'merged', merge_id = :merge, decided_at = now(),"
            " decided_by = :actor WHERE status = 'open' AND customer_ids <@ :ids"
        ),
        {"ids": list(ids), "actor": actor, "merge": merge_id},
    )


@dataclass(frozen=True, slots=True)
class MergeRecord:
    id: UUID
    survivor_id: UUID
    duplicate_ids: list[UUID]
    status: str
    customers_before: dict[str, dict[str, Any]]
    customers_after: dict[str, dict[str, Any]]
    filled_fields: dict[str, Any]
    merged_by: str
    merged_at: datetime
    undone_by: str | None
    undone_at: datetime | None
    moves: dict[str, int]


async def get_merge(
    conn: AsyncConnection, merge_id: UUID, *, lock: bool = False
) -> MergeRecord | None:
    """A merge with its counts of moved rows per table (one statement)."""
    row = (
        await conn.execute(
            text(
                f"""
                SELECT m.*, COALESCE((SELECT jsonb_object_agg(t, n) FROM (
                    SELECT table_name AS t, count(*) AS n FROM merge_moves
                     WHERE merge_id = m.id GROUP BY table_name) s), '{{}}') AS moves
                  FROM merges m WHERE m.id = :id {"FOR UPDATE OF m" if lock else ""}
                """
            ),
            {"id": merge_id},
        )
    ).first()
    if row is None:
        return None
    return MergeRecord(
        id=row.id,
        survivor_id=row.survivor_id,
        duplicate_ids=list(row.duplicate_ids),
        status=row.status,
        customers_before=dict(row.customers_before),
        customers_after=dict(row.customers_after),
        filled_fields=dict(row.filled_fields),
        merged_by=row.merged_by,
        merged_at=row.merged_at,
        undone_by=row.undone_by,
        undone_at=row.undone_at,
        moves={k: int(v) for k, v in dict(row.moves).items()},
    )


async def moves_not_in_place(conn: AsyncConnection, merge_id: UUID) -> list[tuple[str, str]]:
    """Moved rows that no longer point at the survivor (or are gone): undo would be unsafe."""
    checks = " UNION ALL ".join(
        f"""SELECT mm.table_name, mm.row_key FROM merge_moves mm
              LEFT JOIN {table} t ON t.{key}::text = mm.row_key
             WHERE mm.merge_id = :id AND mm.table_name = '{table}'
               AND (t.{key} IS NULL OR t.{column} <> mm.to_customer_id)"""
        for table, (key, column) in MOVED_TABLES.items()
    )
    rows = await conn.execute(text(checks + " LIMIT 20"), {"id": merge_id})
    return [(r.table_name, r.row_key) for r in rows]


async def lock_moved_rows(conn: AsyncConnection, merge_id: UUID) -> None:
    """Lock every moved row (so nothing re-points one between the check and the undo)."""
    for table, (key, _column) in MOVED_TABLES.items():
        await conn.execute(
            text(
                f"SELECT 1 FROM {table} t JOIN merge_moves mm ON t.{key}::text = mm.row_key"
                f" WHERE mm.merge_id = :id AND mm.table_name = '{table}' FOR UPDATE OF t"
            ),
            {"id": merge_id},
        )


async def move_rows_back(conn: AsyncConnection, merge_id: UUID) -> None:
    """Put every moved row back on the customer it came from."""
    for table, (key, column) in MOVED_TABLES.items():
        await conn.execute(
            text(
                f"""
                UPDATE {table} t SET {column} = mm.from_customer_id
                  FROM merge_moves mm
                 WHERE mm.merge_id = :id AND mm.table_name = '{table}'
                   AND t.{key}::text = mm.row_key
                """
            ),
            {"id": merge_id},
        )


async def restore_customer(
    conn: AsyncConnection,
    *,
    customer_id: UUID,
    image: dict[str, Any],
    columns: Sequence[str],
    actor: str,
) -> None:
    """Write `columns` of a stored row image back (a new version; bookkeeping moves on)."""
    restored = [c for c in columns if c in RESTORED_COLUMNS]
    await _write_customer_columns(conn, customer_id, image, restored, actor)


async def active_phone_holder(
    conn: AsyncConnection, phone: str, *, exclude: Sequence[UUID]
) -> UUID | None:
    """The active customer (other than `exclude`) holding this primary phone, if any."""
    row = (
        await conn.execute(
            text(
                "SELECT id FROM customers WHERE primary_phone = :phone AND status = 'active'"
                " AND NOT (id = ANY(:exclude))"
            ),
            {"phone": phone, "exclude": list(exclude)},
        )
    ).first()
    return None if row is None else row.id


async def finish_undo(conn: AsyncConnection, *, merge_id: UUID, actor: str) -> None:
    """Mark the merge undone and reopen the pairs and groups it had decided."""
    await conn.execute(
        text(
            "UPDATE merges SET status = 'undone', undone_at = now(), undone_by = :actor"
            " WHERE id = :id"
        ),
        {"id": merge_id, "actor": actor},
    )
    await conn.execute(
        text(
            "UPDATE duplicate_groups SET status = 'open', merge_id = NULL, decided_at = NULL,"
            " decided_by = NULL WHERE merge_id = :id"
        ),
        {"id": merge_id},
    )
    await conn.execute(
        text(
            """
            UPDATE duplicate_pairs p SET status = 'open', decided_at = NULL, decided_by = NULL
              FROM merges m
             WHERE m.id = :id AND p.status = 'merged'
               AND p.customer_a = ANY(m.duplicate_ids || m.survivor_id)
               AND p.customer_b = ANY(m.duplicate_ids || m.survivor_id)
            """
        ),
        {"id": merge_id},
    )


async def merges_of(conn: AsyncConnection, customer_id: UUID, *, limit: int = 20) -> list[Any]:
    """Merges a customer took part in, newest first."""
    rows = await conn.execute(
        text(
            "SELECT id, survivor_id, duplicate_ids, status, merged_by, merged_at, undone_at"
            " FROM merges WHERE survivor_id = :id OR duplicate_ids @> ARRAY[CAST(:id AS uuid)]"
            " ORDER BY merged_at DESC LIMIT :limit"
        ),
        {"id": customer_id, "limit": limit},
    )
    return list(rows)


async def count_dependents(conn: AsyncConnection, customer_ids: Sequence[UUID]) -> dict[str, int]:
    """How many rows of each moved table point at these customers (one statement)."""
    parts = ", ".join(
        f"(SELECT count(*) FROM {table} WHERE {column} = ANY(:ids)) AS {table}"
        for table, (_key, column) in MOVED_TABLES.items()
    )
    row = (await conn.execute(text(f"SELECT {parts}"), {"ids": list(customer_ids)})).one()
    return {table: int(getattr(row, table)) for table in MOVED_TABLES}
