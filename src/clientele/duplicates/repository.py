"""Duplicates persistence: blocking in PostgreSQL, the queue, merges and the rows they move.

The scan's blocking runs in the database: every customer's blocking keys (computed by
`matching.blocking_keys`) are COPYed into a temporary table with the customer's position in the
scan, and one self-join on the key yields each candidate pair once, as two small ints streamed
back with COPY. Scoring stays in Python (`matching.PairScorer`).
"""

import json
from collections.abc import AsyncIterator, Iterable, Sequence
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

MATCH_COLUMNS = """
    id, name, customer_type, primary_phone, secondary_phone, whatsapp_number, primary_email,
    tax_id, city, state, postal_code, address_line1, address_line2
"""


async def _raw(conn: AsyncConnection) -> Any:
    raw = await conn.get_raw_connection()
    return raw.driver_connection


# --------------------------------------------------------------------------------------------
# Scan
# --------------------------------------------------------------------------------------------


async def stream_customers(conn: AsyncConnection, *, batch: int = 5000) -> AsyncIterator[Any]:
    """Every customer not merged away, with the fields matching reads (server-side cursor)."""
    result = await conn.stream(
        text(
            f"SELECT {MATCH_COLUMNS} FROM customers WHERE merged_into_id IS NULL"
        ).execution_options(yield_per=batch)
    )
    async for row in result:
        yield row


async def count_customers(conn: AsyncConnection) -> int:
    """How many customers a scan will read (an estimate is not enough for a progress bar)."""
    statement = text("SELECT count(*) FROM customers WHERE merged_into_id IS NULL")
    return int((await conn.execute(statement)).scalar_one())


async def create_key_table(conn: AsyncConnection) -> None:
    """The scan's temporary blocking-key table (dropped at commit).

    The scan is a batch job: the API's statement timeout (5 s) does not apply to it.
    """
    await conn.execute(text("SELECT set_config('statement_timeout', '0', true)"))
    # IF NOT EXISTS + TRUNCATE: a scan inside an outer transaction (tests) may run twice.
    await conn.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS dup_keys"
            " (key text NOT NULL, idx int4 NOT NULL) ON COMMIT DROP"
        )
    )
    await conn.execute(text("TRUNCATE dup_keys"))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


async def copy_keys(conn: AsyncConnection, rows: Iterable[tuple[str, int]]) -> None:
    """COPY (key, customer's position in the scan) rows into the temporary table.

    Written as one block of COPY text (keys escaped), not row by row: ten million key rows
    at a million customers.
    """
    text_rows = "".join(f"{key.translate(_COPY_ESCAPES)}\t{index}\n" for key, index in rows)
    if not text_rows:
        return
    raw = await _raw(conn)
    async with (
        raw.cursor() as cursor,
        cursor.copy("COPY dup_keys (key, idx) FROM STDIN") as copy,
    ):
        await copy.write(text_rows.encode())


_CANDIDATE_PAIRS = """
    COPY (
        WITH blocks AS (
            SELECT key FROM dup_keys GROUP BY key
            HAVING count(*) BETWEEN 2 AND CASE WHEN starts_with(key, %s) THEN %s ELSE %s END
        ), members AS (
            SELECT k.key, k.idx FROM dup_keys k JOIN blocks b USING (key)
        )
        SELECT DISTINCT a.idx, b.idx
          FROM members a JOIN members b ON a.key = b.key AND a.idx < b.idx
    ) TO STDOUT
"""


async def candidate_pairs(
    conn: AsyncConnection, *, max_block: int, max_weak_block: int, weak_prefix: str
) -> AsyncIterator[list[tuple[int, int]]]:
    """Each pair of positions sharing a blocking key once, in batches.

    A block is skipped when more customers share its key than `max_block` (`max_weak_block`
    for keys starting with `weak_prefix`). The pairs come back with COPY as text: two ints a
    line, parsed here, much cheaper than a row object per pair.
    """
    await conn.execute(text("ANALYZE dup_keys"))
    raw = await _raw(conn)
    leftover = b""
    # COPY takes no server-side parameters: psycopg binds these three on the client.
    params = (weak_prefix, max_weak_block, max_block)
    async with raw.cursor() as cursor, cursor.copy(_CANDIDATE_PAIRS, params) as copy:
        async for data in copy:
            lines = (leftover + bytes(data)).split(b"\n")
            leftover = lines.pop()
            yield [(int(a), int(b)) for a, b in (line.split(b"\t") for line in lines)]
    if leftover:
        a, b = leftover.split(b"\t")
        yield [(int(a), int(b))]


@dataclass(frozen=True, slots=True)
class FoundPair:
    customer_a: UUID
    customer_b: UUID
    weight: float
    probability: float
    reasons: list[dict[str, object]]


async def store_pairs(
    conn: AsyncConnection, pairs: Sequence[FoundPair], *, seen_at: datetime
) -> None:
    """Upsert found pairs; a decided pair (dismissed, merged) keeps its decision."""
    await conn.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS dup_found (a uuid, b uuid, weight float8,"
            " probability float8, reasons jsonb) ON COMMIT DROP"
        )
    )
    await conn.execute(text("TRUNCATE dup_found"))
    raw = await _raw(conn)
    async with (
        raw.cursor() as cursor,
        cursor.copy("COPY dup_found (a, b, weight, probability, reasons) FROM STDIN") as copy,
    ):
        for p in pairs:
            a, b = sorted((p.customer_a, p.customer_b))
            await copy.write_row((a, b, p.weight, p.probability, json.dumps(p.reasons)))
    await conn.execute(
        text(
            """
            INSERT INTO duplicate_pairs AS d
                (customer_a, customer_b, weight, probability, reasons, first_seen_at, last_seen_at)
            SELECT a, b, weight, probability, reasons, :seen, :seen FROM dup_found
            ON CONFLICT (customer_a, customer_b) DO UPDATE
               SET weight = EXCLUDED.weight, probability = EXCLUDED.probability,
                   reasons = EXCLUDED.reasons, last_seen_at = EXCLUDED.last_seen_at
            """
        ),
        {"seen": seen_at},
    )
    # Open pairs this scan no longer finds (a customer changed or was merged) are dropped.
    await conn.execute(
        text("DELETE FROM duplicate_pairs WHERE status = 'open' AND last_seen_at < :seen"),
        {"seen": seen_at},
    )


async def open_pairs(conn: AsyncConnection) -> list[tuple[UUID, UUID, float, float]]:
    """Every open pair: (a, b, weight, probability)."""
    rows = await conn.execute(
        text(
            "SELECT customer_a, customer_b, weight, probability FROM duplicate_pairs"
            " WHERE status = 'open'"
        )
    )
    return [(a, b, float(w), float(p)) for a, b, w, p in rows]


async def replace_open_groups(
    conn: AsyncConnection, groups: Sequence[tuple[list[UUID], float, float]]
) -> None:
    """Drop the open groups and store these (members, probability, weight); link the pairs."""
    await conn.execute(text("UPDATE duplicate_pairs SET group_id = NULL WHERE status = 'open'"))
    await conn.execute(text("DELETE FROM duplicate_groups WHERE status = 'open'"))
    if not groups:
        return
    await conn.execute(
        text(
            """
            INSERT INTO duplicate_groups (customer_ids, probability, weight)
            SELECT ids, p, w FROM jsonb_to_recordset(CAST(:groups AS jsonb))
                AS g(ids uuid[], p float8, w float8)
            """
        ),
        {
            "groups": json.dumps(
                [{"ids": [str(i) for i in ids], "p": p, "w": w} for ids, p, w in groups]
            )
        },
    )
    await conn.execute(
        text(
            """
            UPDATE duplicate_pairs d SET group_id = m.id
              FROM (SELECT id, unnest(customer_ids) AS customer_id
                      FROM duplicate_groups WHERE status = 'open') m
             WHERE d.status = 'open' AND d.customer_a = m.customer_id
            """
        )
    )


# --------------------------------------------------------------------------------------------
# Queue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueRow:
    kind: str  # "scan" or "legacy_review"
    id: int
    status: str
    probability: float | None
    customer_ids: list[UUID]
    summary: str | None
    review_kind: str | None
    created_at: datetime
    pairs: list[dict[str, Any]]


_QUEUE = """
SELECT * FROM (
    SELECT 0 AS rank, 'scan' AS kind, g.id, g.status, g.probability, g.customer_ids,
           NULL::text AS summary, NULL::text AS review_kind, g.created_at,
           COALESCE((SELECT jsonb_agg(jsonb_build_object(
                        'customer_a', p.customer_a, 'customer_b', p.customer_b,
                        'weight', p.weight, 'probability', p.probability, 'reasons', p.reasons)
                      ORDER BY p.probability DESC, p.customer_a, p.customer_b)
                       FROM duplicate_pairs p WHERE p.group_id = g.id), '[]') AS pairs
      FROM duplicate_groups g
     WHERE g.status = :status
    UNION ALL
    SELECT 1, 'legacy_review', r.id, r.status, NULL, r.customer_ids, r.summary, r.kind,
           r.created_at, '[]'::jsonb
      FROM legacy_review_items r
     WHERE r.status = CASE CAST(:status AS text) WHEN 'merged' THEN 'resolved'
                      ELSE CAST(:status AS text) END
       AND CAST(:include_legacy AS boolean)
) q
WHERE (CAST(:after_rank AS int) IS NULL
       OR (q.rank, -COALESCE(q.probability, 0), q.id)
          > (CAST(:after_rank AS int), -CAST(:after_probability AS float8),
             CAST(:after_id AS bigint)))
ORDER BY q.rank, COALESCE(q.probability, 0) DESC, q.id
LIMIT :limit
"""


async def queue_page(
    conn: AsyncConnection,
    *,
    status: str,
    include_legacy: bool,
    after: tuple[int, float, int] | None,
    limit: int,
) -> list[tuple[int, QueueRow]]:
    """One page of the queue: scan groups (most likely first), then legacy review items."""
    rows = await conn.execute(
        text(_QUEUE),
        {
            "status": status,
            "include_legacy": include_legacy,
            "after_rank": None if after is None else after[0],
            "after_probability": None if after is None else after[1],
            "after_id": None if after is None else after[2],
            "limit": limit,
        },
    )
    return [
        (
            int(r.rank),
            QueueRow(
                kind=r.kind,
                id=int(r.id),
                status=r.status,
                probability=None if r.probability is None else float(r.probability),
                customer_ids=list(r.customer_ids),
                summary=r.summary,
                review_kind=r.review_kind,
                created_at=r.created_at,
                pairs=list(r.pairs),
            ),
        )
        for r in rows
    ]


async def customer_summaries(conn: AsyncConnection, ids: Iterable[UUID]) -> dict[UUID, Any]:
    """Every named customer's fields shown side by side in the queue (one statement)."""
    rows = await conn.execute(
        text(
            "SELECT id, name, customer_type, status, primary_phone, primary_email, city, state,"
            " tax_id, address_line1, postal_code, merged_into_id, created_at"
            " FROM customers WHERE id = ANY(:ids)"
        ),
        {"ids": list(set(ids))},
    )
    return {r.id: r for r in rows}


async def dismiss_group(conn: AsyncConnection, group_id: int, *, actor: str) -> str | None:
    """Mark a group and its pairs dismissed; returns the status it had (None: unknown id)."""
    row = (
        await conn.execute(
            text("SELECT status FROM duplicate_groups WHERE id = :id FOR UPDATE"), {"id": group_id}
        )
    ).first()
    if row is None or row.status != "open":
        return None if row is None else str(row.status)
    await conn.execute(
        text(
            "UPDATE duplicate_groups SET status = 'dismissed', decided_at = now(),"
            " decided_by = :actor WHERE id = :id"
        ),
        {"id": group_id, "actor": actor},
    )
    await conn.execute(
        text(
            "UPDATE duplicate_pairs SET status = 'dismissed', decided_at = now(),"
            " decided_by = :actor WHERE group_id = :id AND status = 'open'"
        ),
        {"id": group_id, "actor": actor},
    )
    return "open"


async def dismiss_review_item(conn: AsyncConnection, item_id: int, *, actor: str) -> str | None:
    """Mark a legacy review item dismissed; returns the status it had (None: unknown id)."""
    row = (
        await conn.execute(
            text("SELECT status FROM legacy_review_items WHERE id = :id FOR UPDATE"),
            {"id": item_id},
        )
    ).first()
    if row is None or row.status != "open":
        return None if row is None else str(row.status)
    await conn.execute(
        text(
            "UPDATE legacy_review_items SET status = 'dismissed', resolved_at = now(),"
            " resolved_by = :actor WHERE id = :id"
        ),
        {"id": item_id, "actor": actor},
    )
    return "open"


# --------------------------------------------------------------------------------------------
# Online check
# --------------------------------------------------------------------------------------------


async def online_candidates(
    conn: AsyncConnection,
    *,
    exclude: UUID | None,
    phones: Sequence[str],
    email: str | None,
    tax_id: str | None,
    core: str | None,
    city: str | None,
    limit: int = 20,
) -> list[Any]:
    """Customers sharing a phone, e-mail or GSTIN, or with the name's distinctive words in the
    same city (trigram word similarity on the name index). One statement.

    A UNION of one indexed branch per piece of evidence, only for the evidence present: one
    WHERE with ORs (and "parameter IS NULL" guards) gets a sequential scan at a million rows.
    """
    branches: list[str] = []
    params: dict[str, Any] = {"exclude": exclude, "limit": limit}
    for i, phone in enumerate(phones[:3]):
        params[f"phone{i}"] = phone
        for column in ("primary_phone", "secondary_phone", "whatsapp_number"):
            branches.append(f"SELECT id FROM customers WHERE {column} = :phone{i}")
    if email:
        params["email"] = email
        branches.append("SELECT id FROM customers WHERE lower(primary_email) = :email")
    if tax_id:
        params["tax_id"] = tax_id
        branches.append("SELECT id FROM customers WHERE tax_id = :tax_id")
    if core:
        params["core"] = core
        where = "WHERE :core <% name"
        if city:
            params["city"] = city
            where += " AND lower(city) = :city"
        branches.append(f"(SELECT id FROM customers {where} LIMIT :limit)")
    if not branches:
        return []
    union = " UNION ".join(branches)
    statement = text(
        f"""
        SELECT {MATCH_COLUMNS} FROM customers c
         WHERE c.id IN ({union})
           AND c.merged_into_id IS NULL
           AND c.id IS DISTINCT FROM CAST(:exclude AS uuid)
         LIMIT :limit
        """
    )
    return list(await conn.execute(statement, params))


# --------------------------------------------------------------------------------------------
# Merge and undo
# --------------------------------------------------------------------------------------------


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
