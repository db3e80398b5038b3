"""`clientele legacy migrate`: the expand phase, online, batched, idempotent and resumable.

Order (each part skips what an earlier, maybe killed, run finished):

1. A state table (`legacy_migration_state`) for what is done and the backfill cursor.
2. The new tables, made by the revisions themselves: revision 0001's statements for tables a
   legacy database lacks (customers, legacy ids, contacts, tokens, the ticket number
   sequence), then Alembic stamps 0001 and upgrades to this package's legacy revision (0002
   history, 0003 search, 0004 review queue and archive). The `alembic_version` table is then
   dropped again, so nothing mistakes the half-way schema for a current one; `finalize`
   stamps it back and upgrades to head.
3. Expand the legacy tables: a uuid `customer_ref` beside the old `customer_id VARCHAR(32)`,
   `equipment.customer_id` / `contact_id`; the SQL helpers and the triggers that link every
   old-shape write from now on (and fill the legacy columns on a new-shape write).
4. Backfill: resolve identities (pure Python, `resolve.py`), write customers with their legacy
   ids and backdated history, then link tickets in committed batches walking the primary key
   (the cursor is committed with each batch), then equipment and contacts, then review items.
   Batches are sized by time and bounded, so the old application never waits long for one
   (see "pacing" below). Nothing writes a legacy column: rollback depends on that.
5. Constraints NOT VALID then VALIDATE, indexes CONCURRENTLY.
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.
# ruff: noqa: S608, E501

import gc
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from alembic import command
from psycopg import errors
from psycopg.types.json import Jsonb

from clientele import schema
from clientele.legacy import ddl
from clientele.legacy.resolve import (
    EquipmentRow,
    PlannedCustomer,
    Resolution,
    TicketRow,
    resolve,
)
from clientele.legacy.state import (
    LEGACY_REVISION,
    STATE_DDL,
    Conn,
    column_type,
    get_state,
    schema_is_stamped,
    set_state,
    table_exists,
)

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)

ACTOR = "legacy-migration"
EXTENSIONS = ("pg_trgm", "btree_gist")


@dataclass(slots=True)
class MigrateReport:
    """What one `migrate` run did (zero everywhere on a run after a complete one)."""

    customers_created: int = 0
    tickets_linked: int = 0
    equipment_linked: int = 0
    contacts_created: int = 0
    review_items: int = 0
    ddl_steps: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    # Per backfill stage: batches committed, tries rolled back and retried, the longest time
    # a batch held its locks (ms), the last batch size (see "pacing" below).
    pacing: dict[str, dict[str, int]] = field(default_factory=dict)

    def paced(self, pacer: "_Pacer") -> None:
        """Record how a stage's batches went."""
        self.pacing[pacer.stage] = {
            "batches": pacer.batches,
            "retries": pacer.retries,
            "longest_hold_ms": round(pacer.longest_s * 1000),
            "last_size": pacer.size,
        }


# --- reading the legacy rows ---------------------------------------------------------------


def read_tickets(conn: Conn) -> list[TicketRow]:
    """The identity columns of every ticket (one pass; the plan needs them all at once)."""
    rows = []
    with conn.cursor(name="legacy_tickets") as cur:
        cur.itersize = 20_000
        cur.execute(
            "SELECT id, created_at, customer_id, customer_name, customer_phone,"
            " customer_whatsapp, equipment_id FROM service_tickets"
        )
        for r in cur:
            rows.append(TicketRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6]))
    return rows


def read_equipment(conn: Conn) -> list[EquipmentRow]:
    """The contact columns of every equipment row."""
    cur = conn.execute(
        "SELECT id, customer_contact_name, customer_contact_phone, customer_contact_email,"
        " installation_city, installation_state"
        " FROM equipment"
    )
    return [EquipmentRow(r[0], r[1], r[2], r[3], r[4], r[5]) for r in cur]


def read_existing_legacy_ids(conn: Conn) -> dict[str, UUID]:
    """Legacy ids already held by a customer (an earlier run, or the online trigger)."""
    if not table_exists(conn, "customer_legacy_ids"):
        return {}
    return {
        str(r[0]): r[1]
        for r in conn.execute("SELECT legacy_id, customer_id FROM customer_legacy_ids")
    }


def compute_resolution(conn: Conn) -> Resolution:
    """Read the legacy rows in one snapshot and resolve identities."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tickets = read_tickets(conn)
        equipment = read_equipment(conn)
        existing = read_existing_legacy_ids(conn)
    return resolve(tickets, equipment, existing_legacy_ids=existing)


# --- schema --------------------------------------------------------------------------------


def check_legacy_shape(conn: Conn) -> None:
    """Raise MigrationError unless the three legacy tables are there in the old shape."""
    for table in ddl.LEGACY_TABLES:
        if not table_exists(conn, table):
            raise ddl.MigrationError(f"table {table} not found: is this the legacy database?")
    kind = column_type(conn, "service_tickets", "customer_id")
    if kind == "uuid":
        raise ddl.MigrationError(
            "service_tickets.customer_id is already a uuid: this database was finalized (or is a"
            " Clientele install); nothing to migrate"
        )
    if kind != "character varying":
        raise ddl.MigrationError(f"service_tickets.customer_id is {kind}, not VARCHAR(32)")


def ensure_new_tables(conn: Conn, url: str, timeouts: ddl.Timeouts) -> int:
    """Create the tables a legacy database lacks, by running the revisions' own SQL."""
    if get_state(conn, "schema") == "done":
        return 0
    ran = 0
    if not table_exists(conn, "customers"):
        present = {
            str(r[0])
            for r in conn.execute(
                "SELECT extname FROM pg_extension WHERE extname = ANY(%s)", (list(EXTENSIONS),)
            )
        }
        set_state(conn, "extensions_created", sorted(set(EXTENSIONS) - present))
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = {timeouts.lock_timeout_ms}")
            for statement in ddl.core_statements_for_new_tables():
                conn.execute(statement)
        ran += 1
    if not schema_is_stamped(conn):
        _stamp(url, "0001")
    schema.upgrade(url, LEGACY_REVISION)
    with conn.transaction():
        # Half-way is no Clientele schema: nothing may take it for one until finalize.
        conn.execute("DROP TABLE alembic_version")
        set_state(conn, "revision", LEGACY_REVISION)
        set_state(conn, "schema", "done")
    return ran + 1


def _stamp(url: str, revision: str) -> None:

    command.stamp(schema.alembic_config(url), revision)


# --- pacing: short, time-bounded backfill transactions --------------------------------------
#
# A backfill transaction holds locks the old application may need: the advisory lock of every
# legacy id and phone of a customers batch (the online trigger takes the same ones), the row
# locks of a tickets batch. Whatever the old application waits, it waits for the rest of that
# transaction. So every such transaction is sized by time, not only by count (`_Pacer`: the next
# batch aims at `target_s` from the last one's time per row) and may hold its locks at most
# `HOLD_LIMIT_S`: each statement runs with a statement_timeout of what is left of that budget,
# and a lock the old application holds is waited for at most `LOCK_WAIT_MS`. Over budget, or a
# lock not granted: roll back (every lock goes at once), wait a little, retry with half the
# rows. The commits are asynchronous (no WAL flush while the locks are held; see
# `_backfill_transaction`). What needs no lock is done outside: names enter the search
# vocabulary before, the backdated history after, GIN pending lists are merged in between.

CUSTOMER_BATCH_MAX = 200
CUSTOMER_BATCH_START = 50
TICKET_BATCH_START = 200
BATCH_MIN = 5
CUSTOMER_HOLD_TARGET_S = 0.15  # customers: the advisory locks the old application's inserts take
TICKET_HOLD_TARGET_S = 0.25  # tickets, equipment: row locks of rows it rarely touches at once
HOLD_LIMIT_S = 0.5  # no backfill transaction holds its locks longer (unless retries fail, below)
HOLD_LIMIT_MAX_S = 4.0
LOCK_WAIT_MS = 200  # how long a backfill transaction waits for a lock the old application holds
RETRY_ATTEMPTS = 30  # consecutive failed tries of one batch before migrate gives up
RETRY_BACKOFF_S = (0.05, 2.0)  # first and longest pause between tries (plus jitter)
BACKFILL_LOCK_TIMEOUT_MS = 5000  # transactions that hold nothing the old application takes
ANALYZE_FIRST = 1000  # ANALYZE after the first batch, then each time the customers double

_RETRYABLE = (errors.QueryCanceled, errors.LockNotAvailable, errors.DeadlockDetected)


class _OverBudget(Exception):
    """The batch's transaction used its time budget before its next statement."""


@dataclass(slots=True)
class _Pacer:
    """Batch sizes by time for one stage, and what its batches did (for the report)."""

    stage: str
    size: int
    maximum: int
    target_s: float
    limit_s: float
    base_limit_s: float = 0.0
    minimum: int = BATCH_MIN
    batches: int = 0
    retries: int = 0
    failures: int = 0  # consecutive, of the batch being tried
    longest_s: float = 0.0

    def __post_init__(self) -> None:
        self.maximum = max(self.maximum, 1)
        self.minimum = min(self.minimum, self.maximum)
        self.size = max(self.minimum, min(self.size, self.maximum))
        self.base_limit_s = self.limit_s

    def succeeded(self, rows: int, seconds: float) -> None:
        """A batch of `rows` committed after holding its locks `seconds`: size the next one."""
        self.batches += 1
        self.failures = 0
        self.limit_s = self.base_limit_s
        self.longest_s = max(self.longest_s, seconds)
        if rows <= 0:
            return
        ideal = int(self.target_s * rows / max(seconds, 1e-4))
        # Shrink at once, grow by half at most: one quick batch proves little.
        self.size = max(self.minimum, min(ideal, self.maximum, self.size + self.size // 2 + 1))

    def failed(self, why: str) -> None:
        """A try was rolled back (over budget, or a lock not granted): halve, then pause."""
        self.retries += 1
        self.failures += 1
        if self.failures >= RETRY_ATTEMPTS:
            raise ddl.MigrationError(
                f"{self.stage}: a batch of {self.size} could not finish within"
                f" {self.limit_s:.1f} s after {self.failures} tries ({why}); a long transaction of"
                " the old application may hold its locks (see pg_stat_activity); re-run later"
            )
        if self.size > self.minimum:
            self.size = max(self.minimum, self.size // 2)
        elif why == "over budget":
            # Even the smallest batch does not fit (a stalled machine): allow it more time
            # rather than never finishing; back to the normal budget after the next commit.
            self.limit_s = min(self.limit_s * 2, HOLD_LIMIT_MAX_S)
            log.warning("%s: a batch of %d needs more than its budget; now %.1f s",
                        self.stage, self.size, self.limit_s)  # fmt: skip
        first, longest = RETRY_BACKOFF_S
        delay = min(first * 2 ** (self.failures - 1), longest)
        time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret


@dataclass(slots=True)
class _Batch:
    """One try of a batch: how many rows it may take, and its time budget."""

    conn: Conn
    size: int
    deadline: float
    rows: int = 0
    committed: bool = False

    def arm(self) -> None:
        """Before each statement: a statement_timeout of what is left of the budget."""
        left_ms = int((self.deadline - time.perf_counter()) * 1000)
        if left_ms < 1:
            raise _OverBudget
        self.conn.execute("SELECT set_config('statement_timeout', %s, true)", (str(left_ms),))


@contextmanager
def _bounded(conn: Conn, pacer: _Pacer) -> Iterator[_Batch]:
    """One try of a batch in its own backfill transaction, held at most `pacer.limit_s`.

    Use: `with _bounded(conn, pacer) as batch:` take `batch.size` rows, `batch.arm()` before
    each statement, set `batch.rows`; afterwards `batch.committed` says whether to move on
    (False: it was rolled back, try again; the pacer has halved the size and paused).
    """
    started = time.perf_counter()
    batch = _Batch(conn, pacer.size, started + pacer.limit_s)
    lock_wait_ms = int(LOCK_WAIT_MS * pacer.limit_s / pacer.base_limit_s)
    try:
        with conn.transaction():
            _backfill_transaction(conn, lock_timeout_ms=lock_wait_ms)
            yield batch
    except _OverBudget:
        pacer.failed("over budget")
    except _RETRYABLE as exc:
        over = isinstance(exc, errors.QueryCanceled)
        pacer.failed("over budget" if over else type(exc).__name__)
    else:
        batch.committed = True
        pacer.succeeded(batch.rows, time.perf_counter() - started)


# --- the backfill --------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _backfill_transaction(conn: Conn, *, lock_timeout_ms: int = BACKFILL_LOCK_TIMEOUT_MS) -> None:
    # One round trip. The version recorded now is the migration's own write ('sql'); the
    # backdated versions spliced in before it are 'legacy' (clientele_history_backfill needs a
    # non-legacy one). The commit does not wait for its WAL flush (synchronous_commit off):
    # under load that flush took 0.1-0.25 s, with every lock of the batch still held. A crash
    # loses at most the last few batches, whole and in order (WAL is sequential), and migrate
    # resumes; anything that read them (an old-application commit) flushed them with its own.
    conn.execute(
        "SELECT set_config('clientele.legacy_backfill', 'on', true),"
        " set_config('clientele.source', 'sql', true), set_config('clientele.actor', %s, true),"
        " set_config('lock_timeout', %s, true), set_config('synchronous_commit', 'off', true)",
        (ACTOR, str(lock_timeout_ms)),
    )


def _lock_keys(conn: Conn, keys: list[str]) -> None:
    # The same advisory locks the online trigger takes, in the one order every writer uses:
    # legacy ids first, then phones, each sorted (the trigger takes one id, then one phone).
    conn.execute(
        "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))"
        " FROM (SELECT k FROM unnest(%s::text[]) WITH ORDINALITY AS s(k, n) ORDER BY n) AS s",
        (keys,),
    )


def _gin_indexes(conn: Conn, table: str) -> list[str]:
    """The table's GIN indexes (their pending lists are merged between batches)."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid"
            " JOIN pg_am AS a ON a.oid = c.relam WHERE i.indrelid = to_regclass(%s)"
            " AND a.amname = 'gin' ORDER BY c.relname",
            (table,),
        )
    ]


def _merge_gin_pending(conn: Conn, indexes: list[str]) -> None:
    """Merge the indexes' GIN pending lists now, between batches, holding nothing.

    GIN indexes with fastupdate (the default: `customers.name` trigrams and `tags`, the review
    queue's customer ids) collect new entries in a pending list, and the insert that finds it
    over gin_pending_list_limit merges all of it, inside its own transaction: a batch holding
    its locks, or an old-application insert. Needs ownership of the index (migrate creates
    these tables); without it the inserts keep doing it.
    """
    if not indexes:
        return
    try:
        conn.execute(
            "SELECT count(gin_clean_pending_list(i::regclass)) FROM unnest(%s::text[]) AS i",
            (indexes,),
        )
    except errors.InsufficientPrivilege:
        log.info("not the owner of %s: GIN pending lists are left to the inserts", indexes)
        indexes.clear()
    except errors.LockNotAvailable:
        log.info("GIN pending lists of %s: a VACUUM is merging them", indexes)


def write_customers(
    conn: Conn, plan: Resolution, *, batch_size: int, pause: float, progress: Progress | None
) -> tuple[int, _Pacer, _Pacer]:
    """Insert the planned customers with their legacy ids and backdated history.

    Returns the number of new customers, and the pacers (how its batches went). Each batch holds
    the advisory locks of its legacy ids and phones until it commits, and an old-application
    write naming one of them waits for that: these batches are the shortest (by time, see
    "pacing" above), and hold their locks only for the lookups and inserts that need them.
    """
    created = 0
    customers = plan.customers
    maximum = min(batch_size, CUSTOMER_BATCH_MAX)
    pacer = _Pacer("customers", min(CUSTOMER_BATCH_START, maximum), maximum,
                   CUSTOMER_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    # The names enter the search vocabulary before the batch that inserts them, committed on
    # their own and in the one lock order all writers use (the insert then takes no such
    # locks); an old-application insert of one of these names waits for that transaction too.
    vocabulary = _Pacer("vocabulary", maximum, maximum, CUSTOMER_HOLD_TARGET_S, HOLD_LIMIT_S)
    gin = _gin_indexes(conn, "customers")
    metadata: dict[int, str] = {}  # serialized before the locks, by position
    prepared = 0  # customers[:prepared] are in the vocabulary, their metadata serialized
    analyzed_at = 0
    pos = 0
    while pos < len(customers):
        while prepared < min(len(customers), pos + pacer.size):
            ahead: Sequence[PlannedCustomer] = ()
            with _bounded(conn, vocabulary) as batch:
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
        with _bounded(conn, pacer) as batch:
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
        _merge_gin_pending(conn, gin)
        if pos >= analyzed_at * 2 and pos - analyzed_at >= min(ANALYZE_FIRST, pos):
            # The new tables start empty: without fresh statistics the planner seq-scans them
            # for every lookup of the next batches (and of the online trigger).
            _analyze_customers(conn)
            analyzed_at = pos
        if progress:
            progress("customers", pos, len(customers))
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
    conn: Conn, batch: _Batch, customers: Sequence[PlannedCustomer], meta: list[str]
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


def _write_history(conn: Conn, customers: Sequence[PlannedCustomer]) -> int:
    """Backdated `legacy` versions from each customer's ticket timeline (oldest is `insert`).

    In its own transaction after the customers committed: it locks only the migration's own
    rows, none the old application waits for. Written for the customers migrate inserted that
    have no legacy version yet (so a run killed between the two transactions completes it on
    the next one), each version before the first one recorded. Returns how many it wrote.
    """
    candidates = {c.id: c for c in customers if c.timeline}
    if not candidates:
        return 0
    with conn.transaction():
        _backfill_transaction(conn)
        first_recorded = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT c.id, (SELECT min(lower(v.valid)) FROM customer_versions AS v"
                " WHERE v.customer_id = c.id AND v.source <> 'legacy') FROM customers AS c"
                " WHERE c.id = ANY(%s) AND c.created_by = %s AND NOT EXISTS (SELECT FROM"
                " customer_versions AS v WHERE v.customer_id = c.id AND v.source = 'legacy')",
                (list(candidates), ACTOR),
            )
        }
        ids, times, changes, operations = [], [], [], []
        for cid, first in sorted(first_recorded.items()):
            if first is None:
                continue
            for i, (valid_from, state) in enumerate(candidates[cid].timeline):
                if valid_from >= first:
                    continue  # history must precede the version recorded when it was inserted
                ids.append(cid)
                times.append(valid_from)
                changes.append(json.dumps({**state, "version": i + 1}))
                operations.append("insert" if i == 0 else "update")
        if ids:
            conn.execute(
                "SELECT count(clientele_history_backfill(c, t, ch::jsonb, %s, op)) FROM"
                " unnest(%s::uuid[], %s::timestamptz[], %s::text[], %s::text[]) AS x(c, t, ch, op)",
                (ACTOR, ids, times, changes, operations),
            )
    return len(ids)


def link_tickets(
    conn: Conn, plan: Resolution, *, batch_size: int, pause: float, progress: Progress | None,
    stop_after_batches: int | None = None,
) -> tuple[int, _Pacer]:  # fmt: skip
    """Set `customer_ref` on unlinked tickets, walking the primary key in committed batches.

    A ticket with a legacy id goes to the customer holding that id, as the trigger links it:
    the plan's customer for the ticket is usually that one, but not when the plan merged two
    ids the trigger had meanwhile given a customer each (`write_customers` lists those). The
    id is read from the row being updated, under its row lock, so a re-typed id counts. A
    ticket the plan does not know (written after it was computed, and somehow not linked by
    the trigger) is linked by the same SQL function the trigger uses. Batches are sized by
    time (at most `batch_size` rows); returns the tickets linked and the pacer.
    """
    total_row = conn.execute("SELECT count(*) FROM service_tickets").fetchone()
    total = int(total_row[0]) if total_row else 0
    cursor = get_state(conn, "tickets_cursor") or "00000000-0000-0000-0000-000000000000"
    done_row = conn.execute(
        "SELECT count(*) FROM service_tickets WHERE id <= %s", (cursor,)
    ).fetchone()
    done = int(done_row[0]) if done_row else 0
    pacer = _Pacer("tickets", min(TICKET_BATCH_START, batch_size), batch_size,
                   TICKET_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    linked = 0
    while True:
        rows: list[tuple[Any, ...]] = []
        count = 0
        with _bounded(conn, pacer) as batch:
            batch.arm()
            rows = conn.execute(
                f"SELECT id, {ddl.TICKET_REF} IS NULL FROM service_tickets WHERE id > %s"
                " ORDER BY id LIMIT %s",
                (cursor, batch.size),
            ).fetchall()
            todo = [r[0] for r in rows if r[1]]
            if todo:
                planned = [
                    plan.customer_id(plan.ticket_customer[t]) if t in plan.ticket_customer else None
                    for t in todo
                ]
                batch.arm()
                result = conn.execute(
                    f"UPDATE service_tickets AS t SET {ddl.TICKET_REF} = coalesce("
                    "(SELECT coalesce(c.merged_into_id, c.id) FROM customer_legacy_ids AS l"
                    " JOIN customers AS c ON c.id = l.customer_id"
                    " WHERE l.legacy_id = clientele_legacy_id(t.customer_id)), v.cid,"
                    " clientele_legacy_link(t.id, t.customer_id, t.customer_name,"
                    " t.customer_phone, t.customer_whatsapp, t.created_at))"
                    " FROM unnest(%s::uuid[], %s::uuid[]) AS v(id, cid)"
                    f" WHERE t.id = v.id AND t.{ddl.TICKET_REF} IS NULL",
                    (todo, planned),
                )
                count = result.rowcount
            if rows:
                batch.arm()
                set_state(conn, "tickets_cursor", str(rows[-1][0]))
            batch.rows = len(rows)
        if not batch.committed:
            continue
        if not rows:
            break
        cursor = str(rows[-1][0])
        linked += count
        done += len(rows)
        if progress:
            progress("tickets", min(done, total), total)
        if stop_after_batches is not None and pacer.batches >= stop_after_batches:
            raise ddl.MigrationError("stopped on request (testing)")
        if pause:
            time.sleep(pause)
    return linked, pacer


def sweep_unlinked(conn: Conn, *, batch_size: int) -> tuple[int, _Pacer]:
    """Link any ticket still without a customer (written while the plan was being made)."""
    pacer = _Pacer("sweep", min(TICKET_BATCH_START, batch_size), batch_size,
                   CUSTOMER_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    linked = 0
    while True:
        count = 0
        with _bounded(conn, pacer) as batch:
            # clientele_legacy_link takes the advisory locks of what it links: paced like
            # the customers batches.
            batch.arm()
            result = conn.execute(
                f"UPDATE service_tickets AS t SET {ddl.TICKET_REF} = clientele_legacy_link(t.id,"
                " t.customer_id, t.customer_name, t.customer_phone, t.customer_whatsapp,"
                " t.created_at) WHERE t.id IN (SELECT id FROM service_tickets"
                f" WHERE {ddl.TICKET_REF} IS NULL ORDER BY id LIMIT %s)",
                (batch.size,),
            )
            count = batch.rows = result.rowcount
        if not batch.committed:
            continue
        linked += count
        if count == 0:
            return linked, pacer


def link_equipment(conn: Conn, plan: Resolution, *, batch_size: int) -> tuple[int, int, _Pacer]:
    """Contacts first (equipment points at them), then equipment; (contacts new, linked, pacer)."""
    pacer = _Pacer("equipment", min(TICKET_BATCH_START, batch_size), batch_size,
                   TICKET_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    contacts_new = 0
    pos = 0
    while pos < len(plan.contacts):
        count = 0
        chunk: Sequence[Any] = ()
        with _bounded(conn, pacer) as batch:
            chunk = plan.contacts[pos : pos + batch.size]
            rows = [
                (c.id, plan.customer_id(c.customer_key), c.name, c.phone, c.email) for c in chunk
            ]
            batch.arm()
            count = conn.execute(
                "INSERT INTO customer_contacts (id, customer_id, name, role, phone, email,"
                " created_by) SELECT id, cid, nm, 'equipment contact', ph, em, %s"
                " FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[])"
                " AS x(id, cid, nm, ph, em) ON CONFLICT (id) DO NOTHING",
                (ACTOR, *map(list, zip(*rows, strict=True))),
            ).rowcount
            batch.rows = len(chunk)
        if batch.committed:
            contacts_new += count
            pos += len(chunk)
    linked = 0
    items = sorted(plan.equipment_customer.items())
    pos = 0
    while pos < len(items):
        count = 0
        chunk = ()
        with _bounded(conn, pacer) as batch:
            chunk = items[pos : pos + batch.size]
            ids = [e for e, _ in chunk]
            owners = [plan.customer_id(k) for _, k in chunk]
            contacts = [plan.equipment_contact.get(e) for e, _ in chunk]
            batch.arm()
            count = conn.execute(
                "UPDATE equipment AS e SET customer_id = v.cid, contact_id = v.ct"
                " FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[]) AS v(id, cid, ct)"
                " WHERE e.id = v.id AND e.customer_id IS NULL",
                (ids, owners, contacts),
            ).rowcount
            batch.rows = len(chunk)
        if batch.committed:
            linked += count
            pos += len(chunk)
    return contacts_new, linked, pacer


def write_reviews(conn: Conn, plan: Resolution, *, batch_size: int) -> int:
    """Store the doubtful cases for a person (idempotent by their dedupe key)."""
    written = 0
    gin = _gin_indexes(conn, "legacy_review_items")
    for batch in _chunks(plan.reviews, batch_size):
        rows = [
            (
                r.kind,
                "{" + ",".join(str(plan.customer_id(k)) for k in r.customer_keys if k in plan.by_key) + "}",
                r.subject_table,
                r.subject_id,
                r.summary,
                r.resolution,
                json.dumps(r.evidence, default=str),
                r.dedupe_key,
            )
            for r in batch
        ]  # fmt: skip
        with conn.transaction():
            # Holds no lock the old application takes (its trigger adds items of other keys).
            _backfill_transaction(conn)
            result = conn.execute(
                "INSERT INTO legacy_review_items (kind, customer_ids, subject_table, subject_id,"
                " summary, resolution, evidence, dedupe_key)"
                " SELECT k, ids::uuid[], st, sid, sm, rs, ev::jsonb, dk FROM unnest(%s::text[],"
                " %s::text[], %s::text[], %s::uuid[], %s::text[], %s::text[], %s::text[],"
                " %s::text[]) AS x(k, ids, st, sid, sm, rs, ev, dk)"
                " ON CONFLICT (dedupe_key) DO NOTHING",
                list(map(list, zip(*rows, strict=True))),
            )
            written += result.rowcount
        # Else an old-application insert of a review item would merge the pending list.
        _merge_gin_pending(conn, gin)
    return written


# --- the command ---------------------------------------------------------------------------


def migrate(
    url: str,
    *,
    batch_size: int = 1000,
    pause: float = 0.0,
    timeouts: ddl.Timeouts | None = None,
    progress: Progress | None = None,
    stop_after_batches: int | None = None,
) -> MigrateReport:
    """Run (or resume) the expand phase on the legacy database at `url`.

    Raises MigrationError on a database that is not legacy-shaped or a lock never granted.
    """
    timeouts = timeouts or ddl.Timeouts()
    report = MigrateReport()
    started = time.monotonic()
    with ddl.connect(url) as conn:
        check_legacy_shape(conn)
        if not table_exists(conn, ddl.STATE_TABLE):
            ddl.run_step(conn, ddl.Step("state table", STATE_DDL), timeouts)
            report.ddl_steps += 1
        report.ddl_steps += ensure_new_tables(conn, url, timeouts)
        report.ddl_steps += ddl.run_steps(conn, ddl.expand_steps(), timeouts)
        if progress:
            progress("schema", 1, 1)

        with _frozen_when_built():
            plan = compute_resolution(conn)
        try:
            _backfill(conn, plan, report, batch_size=batch_size, pause=pause, timeouts=timeouts,
                      progress=progress, stop_after_batches=stop_after_batches)  # fmt: skip
        finally:
            gc.unfreeze()
    report.seconds = time.monotonic() - started
    return report


def _backfill(
    conn: Conn, plan: Resolution, report: MigrateReport, *, batch_size: int, pause: float,
    timeouts: ddl.Timeouts, progress: Progress | None, stop_after_batches: int | None,
) -> None:  # fmt: skip
    """Customers, tickets, the sweep, equipment, reviews, then constraints and indexes."""
    # A re-run writes customers new since (none when nothing changed), without pauses.
    customers_done = get_state(conn, "customers") == "done"
    report.customers_created, pacer, vocabulary = write_customers(
        conn, plan, batch_size=batch_size, pause=0.0 if customers_done else pause,
        progress=progress,
    )  # fmt: skip
    report.paced(vocabulary)
    report.paced(pacer)
    if not customers_done:
        set_state(conn, "customers", "done")
    if get_state(conn, "tickets") != "done":
        report.tickets_linked, pacer = link_tickets(
            conn, plan, batch_size=batch_size, pause=pause, progress=progress,
            stop_after_batches=stop_after_batches,
        )  # fmt: skip
        report.paced(pacer)
        set_state(conn, "tickets", "done")
    report.ddl_steps += ddl.run_steps(conn, [ddl.sweep_index_step()], timeouts)
    swept, pacer = sweep_unlinked(conn, batch_size=batch_size)
    report.ddl_steps += ddl.run_steps(conn, [ddl.drop_sweep_index_step()], timeouts)
    report.tickets_linked += swept
    report.paced(pacer)
    report.contacts_created, report.equipment_linked, pacer = link_equipment(
        conn, plan, batch_size=batch_size
    )
    report.paced(pacer)
    report.review_items = write_reviews(conn, plan, batch_size=batch_size)
    report.ddl_steps += ddl.run_steps(conn, ddl.after_backfill_steps(), timeouts)
    if progress:
        progress("constraints and indexes", 1, 1)
    set_state(conn, "migrate", "done")


@contextmanager
def _frozen_when_built() -> Iterator[None]:
    """Build the plan without garbage collections, then keep it out of them (gc.freeze).

    The plan is millions of objects at a million tickets, with no reference cycles, and lives
    until migrate returns. A full collection walks every live object with the GIL held (about
    0.5 s at 190,000 tickets, 2 s at a million) while an open batch holds its locks, and
    stops every other thread of the process. Call `gc.unfreeze()` when the plan is dropped.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # before enabling: otherwise the first collection walks all of it
        if enabled:
            gc.enable()
