"""The customers backfill: planned customers with their legacy ids (under the advisory locks
the online trigger takes), then their backdated history in a transaction of its own."""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from uuid import UUID

from psycopg import errors
from psycopg.types.json import Jsonb

from clientele.legacy.pacing import (
    ACTOR,
    ANALYZE_FIRST,
    CUSTOMER_BATCH_MAX,
    CUSTOMER_BATCH_START,
    CUSTOMER_HOLD_TARGET_S,
    HOLD_LIMIT_S,
    PARALLEL_MIN_CUSTOMERS,
    VOCABULARY_BATCH_MAX,
    Batch,
    Pacer,
    SharedProgress,
    bounded,
    gin_indexes,
    in_parallel,
    merge_gin_pending,
    pipelined_transaction,
)
from clientele.legacy.records import PlannedCustomer, Resolution
from clientele.legacy.state import Conn

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _lock_keys(conn: Conn, keys: list[str]) -> None:
    # The same advisory locks the online trigger takes, in the one order every writer uses:
    # legacy ids first, then phones, each sorted (the trigger takes one id, then one phone).
    conn.execute(
        "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))"
        " FROM (SELECT k FROM unnest(%s::text[]) WITH ORDINALITY AS s(k, n) ORDER BY n) AS s",
        (keys,),
    )


def write_customers(
    conn: Conn, plan: Resolution, *, batch_size: int, pause: float, progress: Progress | None,
    connect: Callable[[], AbstractContextManager[Conn]] | None = None,
) -> tuple[int, Pacer, Pacer]:  # fmt: skip
    """Insert the planned customers with their legacy ids and backdated history.

    Returns the number of new customers, and the pacers (how its batches went). Each batch holds
    the advisory locks of its legacy ids and phones until it commits, and an old-application
    write naming one of them waits for that: these batches are the shortest (by time, see
    "pacing" above), and hold their locks only for the lookups and inserts that need them.

    With `connect` (a second connection) and at least PARALLEL_MIN_CUSTOMERS customers, the
    second half is written by a thread on that connection beside the first: each row fires
    the history and search triggers, so one backend is the bottleneck and a second one nearly
    doubles the rate (the two halves share no legacy id; a shared phone's advisory lock is
    taken in the one sorted order, after the ids, by every writer).
    """
    customers = plan.customers
    progress_of = SharedProgress(progress, "customers", len(customers))
    if connect is None or len(customers) < PARALLEL_MIN_CUSTOMERS:
        return _write_part(conn, customers, batch_size=batch_size, pause=pause,
                           progress=progress_of.part(0), analyze=True)  # fmt: skip
    half = len(customers) // 2

    def first_half(stop: threading.Event) -> tuple[int, Pacer, Pacer]:
        return _write_part(conn, customers[:half], batch_size=batch_size, pause=pause,
                           progress=progress_of.part(0), analyze=True, stop=stop)  # fmt: skip

    def second_half(stop: threading.Event) -> tuple[int, Pacer, Pacer]:
        with connect() as other:
            return _write_part(other, customers[half:], batch_size=batch_size, pause=pause,
                               progress=progress_of.part(1), analyze=False, stop=stop)  # fmt: skip

    first, rest = in_parallel(first_half, second_half)
    first[1].absorb(rest[1])
    first[2].absorb(rest[2])
    return first[0] + rest[0], first[1], first[2]


def _write_part(
    conn: Conn, customers: Sequence[PlannedCustomer], *, batch_size: int, pause: float,
    progress: Callable[[int], None], analyze: bool, stop: threading.Event | None = None,
) -> tuple[int, Pacer, Pacer]:  # fmt: skip
    """`write_customers` for one run of customers on one connection (`stop`: the other failed)."""
    created = 0
    maximum = min(batch_size, CUSTOMER_BATCH_MAX)
    pacer = Pacer("customers", min(CUSTOMER_BATCH_START, maximum), maximum,
                   CUSTOMER_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    # The names enter the search vocabulary before the batch that inserts them, committed on
    # their own and in the one lock order all writers use (the insert then takes no such
    # locks); an old-application insert of one of these names waits for that transaction too.
    vocabulary = Pacer("vocabulary", maximum, max(maximum, min(batch_size, VOCABULARY_BATCH_MAX)),
                       CUSTOMER_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    gin = gin_indexes(conn, "customers")
    metadata: dict[int, str] = {}  # serialized before the locks, by position
    prepared = 0  # customers[:prepared] are in the vocabulary, their metadata serialized
    analyzed_at = 0
    pos = 0
    while pos < len(customers) and not (stop and stop.is_set()):
        while prepared < min(len(customers), pos + pacer.size):
            ahead: Sequence[PlannedCustomer] = ()
            with bounded(conn, vocabulary) as batch:
                ahead = customers[prepared : prepared + batch.size]
                batch.arm()
                conn.execute(
                    "SELECT clientele_search_remember_many(%s)",
                    ([n for c in ahead for n in (c.name, *c.aliases)],),
                )
                batch.rows = len(ahead)
            if batch.committed:
                metadata.update(
                    (i, json.dumps(c.metadata())) for i, c in enumerate(ahead, start=prepared)
                )
                prepared += len(ahead)
        inserted: set[UUID] = set()
        batch_customers: Sequence[PlannedCustomer] = ()
        with bounded(conn, pacer) as batch:
            batch_customers = customers[pos : pos + batch.size]
            meta = [metadata[i] for i in range(pos, pos + len(batch_customers))]
            inserted = _write_customer_batch(conn, batch, batch_customers, meta)
            batch.rows = len(batch_customers)
        if not batch.committed:
            continue
        created += len(inserted)
        for i in range(pos, pos + len(batch_customers)):
            metadata.pop(i, None)
        pos += len(batch_customers)
        # After the commit, holding no advisory lock: history, GIN pending lists, statistics.
        _write_history(conn, batch_customers)
        merge_gin_pending(conn, gin)
        if analyze and pos >= analyzed_at * 2 and pos - analyzed_at >= min(ANALYZE_FIRST, pos):
            # The new tables start empty: without fresh statistics the planner seq-scans them
            # for every lookup of the next batches (and of the online trigger).
            _analyze_customers(conn)
            analyzed_at = pos
        progress(pos)
        if pause:
            time.sleep(pause)
    return created, pacer, vocabulary


def _analyze_customers(conn: Conn) -> None:
    """ANALYZE the customer tables; skipped when a VACUUM or ANALYZE holds one (lock_timeout)."""
    try:
        conn.execute("ANALYZE customers, customer_legacy_ids, customer_versions")
    except errors.LockNotAvailable:
        log.info("ANALYZE of the customer tables skipped: a VACUUM or ANALYZE holds one")


def _write_customer_batch(
    conn: Conn, batch: Batch, customers: Sequence[PlannedCustomer], meta: list[str]
) -> set[UUID]:
    """Inside the batch's transaction: take the locks, look up, insert; the ids inserted."""
    lids = sorted({lid for c in customers for lid in c.legacy_ids})
    phones = sorted({c.primary_phone for c in customers if c.primary_phone})
    batch.arm()
    _lock_keys(conn, [f"clientele_legacy_id:{lid}" for lid in lids]
               + [f"clientele_legacy_phone:{p}" for p in phones])  # fmt: skip
    batch.arm()
    held = {
        str(r[0]): r[1]
        for r in conn.execute(
            "SELECT legacy_id, customer_id FROM customer_legacy_ids WHERE legacy_id = ANY(%s)",
            (lids,),
        )
    }
    for c in customers:
        holders = sorted((lid, held[lid]) for lid in c.legacy_ids if lid in held)
        if holders:
            c.id = holders[0][1]  # found, e.g. created by the trigger meanwhile
        if len({owner for _, owner in holders}) > 1:
            batch.arm()
            _review_split(conn, c, holders)
    batch.arm()
    owners = {
        str(r[0]): r[1]
        for r in conn.execute(
            "SELECT primary_phone, id FROM customers WHERE status = 'active'"
            " AND primary_phone = ANY(%s)",
            (phones,),
        )
    }
    rows = []
    for c, md in zip(customers, meta, strict=True):
        status = c.status
        if status == "active" and c.primary_phone in owners and owners[c.primary_phone] != c.id:
            status = "inactive"
            batch.arm()
            _review_db_conflict(conn, c, owners[c.primary_phone])
        rows.append((c.id, c.customer_type, c.name, c.primary_phone, c.whatsapp, status, md,
                     c.created_at, c.city, c.state, max(1, len(c.timeline))))  # fmt: skip
    batch.arm()
    # `version` is the number of states the tickets show: the backdated history numbers them
    # 1..n (see _write_history), and the row is the last of them.
    inserted = {
        r[0]
        for r in conn.execute(
            "INSERT INTO customers (id, customer_type, name, primary_phone,"
            " whatsapp_number, status, tags, metadata, created_at, created_by, updated_by,"
            " city, state, version)"
            " SELECT id, ty, nm, ph, wa, st, '{legacy}', md::jsonb, ca, %s, %s, ci, sa, ve"
            " FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[],"
            " %s::text[], %s::text[], %s::timestamptz[], %s::text[], %s::text[], %s::int[])"
            " AS x(id, ty, nm, ph, wa, st, md, ca, ci, sa, ve)"
            " ON CONFLICT (id) DO NOTHING RETURNING id",
            (ACTOR, ACTOR, *map(list, zip(*rows, strict=True))),
        )
    }
    lid_rows = [
        (lid, c.id, original[:64]) for c in customers for lid, original in c.legacy_ids.items()
    ]
    if lid_rows:
        batch.arm()
        _insert_legacy_ids(conn, lid_rows)
    return inserted


def _insert_legacy_ids(conn: Conn, rows: list[tuple[str, UUID, str]]) -> None:
    """The batch's legacy ids (the last statement of its transaction; tests wait here)."""
    conn.execute(
        "INSERT INTO customer_legacy_ids (legacy_id, customer_id, original_value)"
        " SELECT * FROM unnest(%s::text[], %s::uuid[], %s::text[])"
        " ON CONFLICT (legacy_id) DO NOTHING",
        list(map(list, zip(*rows, strict=True))),
    )


def _review_db_conflict(conn: Conn, c: PlannedCustomer, owner: UUID) -> None:
    conn.execute(
        "INSERT INTO legacy_review_items (kind, customer_ids, summary, resolution, evidence,"
        " dedupe_key) VALUES ('shared_phone', %s, %s, %s, %s, %s)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        (
            [owner, c.id],
            f"{c.primary_phone} already belongs to an active customer",
            "stored inactive with the same phone until a person decides",
            Jsonb({"phone": c.primary_phone, "name": c.name}),
            f"shared_phone_db:{c.id}",
        ),
    )


def _review_split(conn: Conn, c: PlannedCustomer, holders: list[tuple[str, UUID]]) -> None:
    """The plan's one customer already exists as several (the online trigger made one per id).

    Each legacy id keeps the customer that holds it, and its tickets are linked there (see
    `link_tickets`); a person decides whether to merge them.
    """
    owners = sorted({owner for _, owner in holders})
    lids = ", ".join(lid for lid, _ in holders[:10])
    if len(holders) > 10:
        lids += f" and {len(holders) - 10} more"
    conn.execute(
        "INSERT INTO legacy_review_items (kind, customer_ids, summary, resolution, evidence,"
        " dedupe_key) VALUES ('possible_duplicate', %s, %s, %s, %s, %s)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        (
            owners,
            f"legacy ids {lids} look like one customer (same phone and name), but the old"
            " application created a customer for each while migrate ran",
            "kept apart: each legacy id keeps its customer and its tickets; merge them if they"
            " are one",
            Jsonb({"legacy_ids": {lid: str(owner) for lid, owner in holders},
                   "name": c.name, "phone": c.primary_phone}),
            "possible_duplicate:" + ",".join(str(o) for o in owners),
        ),
    )  # fmt: skip


# The backdated versions of a batch of customers in one statement, set-based: the versions
# `clientele_history_backfill` would write called once per timeline entry, oldest first (each
# call closing the one before at its start), written directly with their final ranges.
# Per customer: only one `migrate` inserted (`created_by`), with no legacy version yet, locked
# (the lock the history triggers' writers hold); each entry before the first recorded version,
# whose row is the base every entry's fields are laid over; version i ends where i+1 starts,
# the last where the recorded one starts; changed fields against the entry before.
HISTORY_SQL = """
WITH todo AS (
    SELECT c.id FROM customers AS c
     WHERE c.id = ANY(%(ids)s::uuid[]) AND c.created_by = %(actor)s
       AND NOT EXISTS (SELECT FROM customer_versions AS v
                        WHERE v.customer_id = c.id AND v.source = 'legacy')
     ORDER BY c.id FOR UPDATE OF c
), recorded AS (
    SELECT todo.id, r.since, r.row_data FROM todo CROSS JOIN LATERAL (
        SELECT lower(v.valid) AS since, v.row_data FROM customer_versions AS v
         WHERE v.customer_id = todo.id AND v.source <> 'legacy'
         ORDER BY lower(v.valid) LIMIT 1) AS r
), entries AS (
    SELECT x.c, x.t, x.op, coalesce(lead(x.t) OVER w, r.since) AS until,
           r.row_data || x.ch::jsonb
               || jsonb_build_object('id', x.c, 'updated_at', x.t, 'updated_by', %(actor)s::text)
               AS after_row
      FROM unnest(%(ids)s::uuid[], %(times)s::timestamptz[], %(changes)s::text[], %(ops)s::text[])
           AS x(c, t, ch, op)
      JOIN recorded AS r ON r.id = x.c
     WHERE x.t < r.since
    WINDOW w AS (PARTITION BY x.c ORDER BY x.t)
)
INSERT INTO customer_versions (customer_id, valid, operation, source, actor, row_data,
                               changed_fields)
SELECT c, tstzrange(t, until), op, 'legacy', %(actor)s, after_row,
       clientele_history_changed(lag(after_row) OVER w, after_row,
                                 clientele_customer_bookkeeping())
  FROM entries
WINDOW w AS (PARTITION BY c ORDER BY t)
 ORDER BY c, t
"""


def _write_history(conn: Conn, customers: Sequence[PlannedCustomer]) -> int:
    """Backdated `legacy` versions from each customer's ticket timeline (oldest is `insert`).

    In its own transaction after the customers committed: it locks only the migration's own
    rows, none the old application waits for. Written for the customers migrate inserted that
    have no legacy version yet (so a run killed between the two transactions completes it on
    the next one), each version before the first one recorded, in one statement (HISTORY_SQL).
    Returns how many it wrote.
    """
    ids, times, changes, operations = [], [], [], []
    for c in sorted((c for c in customers if c.timeline), key=lambda c: c.id):
        for i, (valid_from, state) in enumerate(c.timeline):
            ids.append(c.id)
            times.append(valid_from)
            changes.append(json.dumps({**state, "version": i + 1}))
            operations.append("insert" if i == 0 else "update")
    if not ids:
        return 0
    with pipelined_transaction(conn) as pipeline:
        result = conn.execute(
            HISTORY_SQL,
            {"ids": ids, "times": times, "changes": changes, "ops": operations, "actor": ACTOR},
        )
        pipeline.sync()
    return result.rowcount
