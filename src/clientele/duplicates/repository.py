"""Duplicates persistence: blocking in PostgreSQL, the queue, the online check's candidates.

Merges and undos: `merge_repository`.

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
    """Drop the open groups and store these (members, probability, weight); link the pairs
    inside each (a pair the groups' check left out, its ends in two groups, has none)."""
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
            WITH m AS (SELECT id, unnest(customer_ids) AS customer_id
                         FROM duplicate_groups WHERE status = 'open')
            UPDATE duplicate_pairs d SET group_id = ma.id
              FROM m ma JOIN m mb ON mb.id = ma.id
             WHERE d.status = 'open' AND d.customer_a = ma.customer_id
               AND d.customer_b = mb.customer_id
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


# The online duplicate check's candidates, from keys the database keeps (revision 0013).
#
# A create or PATCH looks up at most a few hundred index entries, whatever the number of
# customers: per phone, e-mail and GSTIN at most `PER_KEY` customers holding it (the indexes on
# `customers`), and per name blocking key (`clientele_blocking_keys(name, city)`, kept in
# `customer_blocking_keys` by a trigger) at most `PER_KEY` customers, ranked by how many of the
# name's keys they share. A very common name ("Sharma" in Mumbai) therefore returns a bounded
# set; the pair keys (`city|word word`) and the whole-name key keep the customers that share
# more than one word among the first ones read.

# Customers read per key (phone, e-mail, GSTIN, name key), and candidates scored in all.
PER_KEY = 50
LIMIT = 20


def _name_branch() -> str:
    """Customers sharing the most name keys with (:name, :city), at most :limit, ranked by
    minus the number of keys shared (at most 11); a shared phone, e-mail or GSTIN ranks -100."""
    return """
        (SELECT k.customer_id, -count(*)
         FROM unnest(clientele_blocking_keys(:name, :city)) AS q (key),
             LATERAL (SELECT b.customer_id FROM customer_blocking_keys b
                      WHERE b.key = q.key
                        AND b.customer_id IS DISTINCT FROM CAST(:exclude AS uuid)
                      LIMIT :per_key) AS k
         GROUP BY k.customer_id ORDER BY count(*) DESC, k.customer_id LIMIT :limit)"""


async def online_candidates(
    conn: AsyncConnection,
    *,
    exclude: UUID | None,
    phones: Sequence[str],
    email: str | None,
    tax_id: str | None,
    name: str | None,
    city: str | None,
    limit: int = LIMIT,
) -> list[Any]:
    """Customers sharing a phone, e-mail or GSTIN, or name blocking keys in the same city (or
    the whole name anywhere): one statement, a UNION of one capped, indexed branch per piece of
    evidence present, best evidence first. Merged customers are left out."""
    branches: list[str] = []
    params: dict[str, Any] = {"exclude": exclude, "limit": limit, "per_key": PER_KEY}
    for i, phone in enumerate(phones[:3]):
        params[f"phone{i}"] = phone
        for column in ("primary_phone", "secondary_phone", "whatsapp_number"):
            branches.append(
                f"(SELECT id, -100 FROM customers WHERE {column} = :phone{i} LIMIT :per_key)"
            )
    if email:
        params["email"] = email
        branches.append(
            "(SELECT id, -100 FROM customers WHERE lower(primary_email) = :email LIMIT :per_key)"
        )
    if tax_id:
        params["tax_id"] = tax_id
        branches.append("(SELECT id, -100 FROM customers WHERE tax_id = :tax_id LIMIT :per_key)")
    if name:
        params["name"], params["city"] = name, city
        branches.append(_name_branch())
    if not branches:
        return []
    union = " UNION ALL ".join(branches)
    statement = text(
        f"""
        WITH found (found_id, rank) AS ({union})
        SELECT {MATCH_COLUMNS} FROM customers c
          JOIN (SELECT found_id, min(rank) AS rank FROM found GROUP BY found_id) f
            ON f.found_id = c.id
         WHERE c.merged_into_id IS NULL
           AND c.id IS DISTINCT FROM CAST(:exclude AS uuid)
         ORDER BY f.rank, c.id
         LIMIT :limit
        """
    )
    return list(await conn.execute(statement, params))
