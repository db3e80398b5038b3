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
   Nothing writes a legacy column: rollback depends on that.
5. Constraints NOT VALID then VALIDATE, indexes CONCURRENTLY.
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.
# ruff: noqa: S608, E501

import gc
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
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

log = logging.getLogger(__name__)

Conn = psycopg.Connection[tuple[Any, ...]]
Progress = Callable[[str, int, int], None]  # (stage, done, total)

LEGACY_REVISION = "0004"
ACTOR = "legacy-migration"
CUSTOMER_BATCH_MAX = 200
ANALYZE_EVERY = 100
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


# --- state ---------------------------------------------------------------------------------

STATE_DDL = f"""
CREATE TABLE IF NOT EXISTS {ddl.STATE_TABLE} (
    key TEXT PRIMARY KEY,
    value JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""


def table_exists(conn: Conn, name: str) -> bool:
    """True when a table (or view) of that name is in the current schema."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
    return bool(row and row[0])


def column_type(conn: Conn, table: str, column: str) -> str | None:
    """The column's type (`uuid`, `character varying`), None when it does not exist."""
    row = conn.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = %s AND column_name = %s",
        (table, column),
    ).fetchone()
    return None if row is None else str(row[0])


def get_state(conn: Conn, key: str) -> Any:
    """A value of the state table, None when unset or when there is no state table."""
    if not table_exists(conn, ddl.STATE_TABLE):
        return None
    row = conn.execute(f"SELECT value FROM {ddl.STATE_TABLE} WHERE key = %s", (key,)).fetchone()
    return None if row is None else row[0]


def set_state(conn: Conn, key: str, value: Any) -> None:
    """Record a value; a value already recorded is not rewritten (a re-run changes nothing)."""
    conn.execute(
        f"INSERT INTO {ddl.STATE_TABLE} (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE"
        f" SET value = excluded.value, updated_at = now()"
        f" WHERE {ddl.STATE_TABLE}.value IS DISTINCT FROM excluded.value",
        (key, Jsonb(value)),
    )


def phase(conn: Conn) -> str:
    """`legacy` (never migrated), `expanded` (migrate ran, maybe partly), `finalized`, or `clientele`."""
    ticket_id_type = column_type(conn, "service_tickets", "customer_id")
    if column_type(conn, "service_tickets", ddl.TICKET_REF) is not None:
        return "expanded"  # also half-way through finalize (customer_id dropped, not renamed)
    if ticket_id_type is None:
        return "missing"
    if ticket_id_type == "uuid":
        return "finalized" if schema_is_stamped(conn) else "clientele"
    if table_exists(conn, ddl.STATE_TABLE) or table_exists(conn, "customers"):
        return "expanded"
    return "legacy"


def schema_is_stamped(conn: Conn) -> bool:
    """True when the database carries an Alembic version (a Clientele schema)."""
    return table_exists(conn, "alembic_version")


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
        "SELECT id, customer_contact_name, customer_contact_phone, customer_contact_email"
        " FROM equipment"
    )
    return [EquipmentRow(r[0], r[1], r[2], r[3]) for r in cur]


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
    from alembic import command

    command.stamp(schema.alembic_config(url), revision)


# --- the backfill --------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _backfill_transaction(conn: Conn) -> None:
    conn.execute("SET LOCAL clientele.legacy_backfill = 'on'")
    # The version recorded now is the migration's own write ('sql'); the backdated versions
    # spliced in before it are 'legacy' (clientele_history_backfill needs a non-legacy one).
    conn.execute("SET LOCAL clientele.source = 'sql'")
    conn.execute(f"SET LOCAL clientele.actor = '{ACTOR}'")
    conn.execute("SET LOCAL lock_timeout = '5s'")


def _lock_keys(conn: Conn, keys: list[str]) -> None:
    # The same advisory locks the online trigger takes: ids first, then phones, each sorted.
    conn.execute(
        "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))"
        " FROM (SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS s",
        (keys,),
    )


def write_customers(
    conn: Conn, plan: Resolution, *, batch_size: int, pause: float, progress: Progress | None
) -> int:
    """Insert the planned customers with their legacy ids and backdated history; count new ones."""
    created = 0
    started = datetime.now(UTC)
    customers = plan.customers
    # Each batch holds the advisory locks of its legacy ids and phones until it commits, and an
    # old-application insert naming one of them waits for that: keep these transactions short.
    batch_size = min(batch_size, CUSTOMER_BATCH_MAX)
    for done, batch in enumerate(_chunks(customers, batch_size), start=1):
        # The batch's names enter the search vocabulary first, committed on their own and in
        # the one lock order all writers use; the bulk insert below then takes no such locks.
        with conn.transaction():
            conn.execute("SELECT clientele_search_remember_many(%s)", ([c.name for c in batch],))
        with conn.transaction():
            _backfill_transaction(conn)
            lids = sorted({lid for c in batch for lid in c.legacy_ids})
            _lock_keys(conn, [f"clientele_legacy_id:{lid}" for lid in lids])
            phones = sorted({c.primary_phone for c in batch if c.primary_phone})
            _lock_keys(conn, [f"clientele_legacy_phone:{p}" for p in phones])
            held = {
                str(r[0]): r[1]
                for r in conn.execute(
                    "SELECT legacy_id, customer_id FROM customer_legacy_ids"
                    " WHERE legacy_id = ANY(%s)",
                    (lids,),
                )
            }
            for c in batch:
                holders = sorted((lid, held[lid]) for lid in c.legacy_ids if lid in held)
                if holders:
                    c.id = holders[0][1]  # found, e.g. created by the trigger meanwhile
                if len({owner for _, owner in holders}) > 1:
                    _review_split(conn, c, holders)
            active_elsewhere = {
                (str(r[0]), r[1])
                for r in conn.execute(
                    "SELECT primary_phone, id FROM customers WHERE status = 'active'"
                    " AND primary_phone = ANY(%s)",
                    (phones,),
                )
            }
            taken = {p for p, owner in active_elsewhere}
            owners = {p: owner for p, owner in active_elsewhere}
            rows = []
            for c in batch:
                status = c.status
                if (
                    status == "active"
                    and c.primary_phone in taken
                    and owners[c.primary_phone] != c.id
                ):
                    status = "inactive"
                    _review_db_conflict(conn, c, owners[c.primary_phone])
                rows.append(
                    (c.id, c.customer_type, c.name, c.primary_phone, c.whatsapp, status,
                     json.dumps(c.metadata()), c.created_at)
                )  # fmt: skip
            inserted = {
                r[0]
                for r in conn.execute(
                    "INSERT INTO customers (id, customer_type, name, primary_phone,"
                    " whatsapp_number, status, tags, metadata, created_at, created_by, updated_by)"
                    " SELECT id, ty, nm, ph, wa, st, '{legacy}', md::jsonb, ca, %s, %s"
                    " FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[],"
                    " %s::text[], %s::text[], %s::timestamptz[]) AS x(id, ty, nm, ph, wa, st, md, ca)"
                    " ON CONFLICT (id) DO NOTHING RETURNING id",
                    (ACTOR, ACTOR, *map(list, zip(*rows, strict=True))),
                )
            }
            created += len(inserted)
            lid_rows = [
                (lid, c.id, original[:64]) for c in batch for lid, original in c.legacy_ids.items()
            ]
            if lid_rows:
                conn.execute(
                    "INSERT INTO customer_legacy_ids (legacy_id, customer_id, original_value)"
                    " SELECT * FROM unnest(%s::text[], %s::uuid[], %s::text[])"
                    " ON CONFLICT (legacy_id) DO NOTHING",
                    list(map(list, zip(*lid_rows, strict=True))),
                )
            _write_history(conn, [c for c in batch if c.id in inserted], started)
        if done % ANALYZE_EVERY == 1:
            # The new tables start empty: without fresh statistics the planner seq-scans them
            # for every lookup of the next batches (and of the online trigger).
            conn.execute("ANALYZE customers, customer_legacy_ids, customer_versions")
        if progress:
            progress("customers", min(done * batch_size, len(customers)), len(customers))
        if pause:
            time.sleep(pause)
    return created


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


def _write_history(conn: Conn, customers: list[PlannedCustomer], before: datetime) -> None:
    """Backdated `legacy` versions from each customer's ticket timeline (oldest is `insert`)."""
    ids, times, changes, operations = [], [], [], []
    for c in customers:
        for i, (valid_from, state) in enumerate(c.timeline):
            if valid_from >= before:
                continue  # history must precede the version recorded now
            ids.append(c.id)
            times.append(valid_from)
            changes.append(json.dumps(state))
            operations.append("insert" if i == 0 else "update")
    if not ids:
        return
    conn.execute(
        "SELECT count(clientele_history_backfill(c, t, ch::jsonb, %s, op))"
        " FROM unnest(%s::uuid[], %s::timestamptz[], %s::text[], %s::text[]) AS x(c, t, ch, op)",
        (ACTOR, ids, times, changes, operations),
    )


def link_tickets(
    conn: Conn, plan: Resolution, *, batch_size: int, pause: float, progress: Progress | None,
    stop_after_batches: int | None = None,
) -> int:  # fmt: skip
    """Set `customer_ref` on unlinked tickets, walking the primary key in committed batches.

    A ticket with a legacy id goes to the customer holding that id, as the trigger links it:
    the plan's customer for the ticket is usually that one, but not when the plan merged two
    ids the trigger had meanwhile given a customer each (`write_customers` lists those). The
    id is read from the row being updated, under its row lock, so a re-typed id counts. A
    ticket the plan does not know (written after it was computed, and somehow not linked by
    the trigger) is linked by the same SQL function the trigger uses.
    """
    total_row = conn.execute("SELECT count(*) FROM service_tickets").fetchone()
    total = int(total_row[0]) if total_row else 0
    cursor = get_state(conn, "tickets_cursor") or "00000000-0000-0000-0000-000000000000"
    done_row = conn.execute(
        "SELECT count(*) FROM service_tickets WHERE id <= %s", (cursor,)
    ).fetchone()
    done = int(done_row[0]) if done_row else 0
    linked = 0
    batches = 0
    while True:
        rows = conn.execute(
            f"SELECT id, {ddl.TICKET_REF} IS NULL FROM service_tickets WHERE id > %s"
            " ORDER BY id LIMIT %s",
            (cursor, batch_size),
        ).fetchall()
        if not rows:
            break
        todo = [r[0] for r in rows if r[1]]
        with conn.transaction():
            _backfill_transaction(conn)
            if todo:
                planned = [
                    plan.customer_id(plan.ticket_customer[t]) if t in plan.ticket_customer else None
                    for t in todo
                ]
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
                linked += result.rowcount
            cursor = str(rows[-1][0])
            set_state(conn, "tickets_cursor", cursor)
        done += len(rows)
        batches += 1
        if progress:
            progress("tickets", min(done, total), total)
        if stop_after_batches is not None and batches >= stop_after_batches:
            raise ddl.MigrationError("stopped on request (testing)")
        if pause:
            time.sleep(pause)
    return linked


def sweep_unlinked(conn: Conn, *, batch_size: int) -> int:
    """Link any ticket still without a customer (written while the plan was being made)."""
    linked = 0
    while True:
        with conn.transaction():
            _backfill_transaction(conn)
            result = conn.execute(
                f"UPDATE service_tickets AS t SET {ddl.TICKET_REF} = clientele_legacy_link(t.id,"
                " t.customer_id, t.customer_name, t.customer_phone, t.customer_whatsapp,"
                " t.created_at) WHERE t.id IN (SELECT id FROM service_tickets"
                f" WHERE {ddl.TICKET_REF} IS NULL ORDER BY id LIMIT %s)",
                (batch_size,),
            )
        linked += result.rowcount
        if result.rowcount == 0:
            return linked


def link_equipment(conn: Conn, plan: Resolution, *, batch_size: int) -> tuple[int, int]:
    """Contacts first (equipment points at them), then equipment; (contacts new, linked)."""
    contacts_new = 0
    for batch in _chunks(plan.contacts, batch_size):
        with conn.transaction():
            _backfill_transaction(conn)
            rows = [
                (c.id, plan.customer_id(c.customer_key), c.name, c.phone, c.email) for c in batch
            ]
            result = conn.execute(
                "INSERT INTO customer_contacts (id, customer_id, name, role, phone, email,"
                " created_by) SELECT id, cid, nm, 'equipment contact', ph, em, %s"
                " FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[])"
                " AS x(id, cid, nm, ph, em) ON CONFLICT (id) DO NOTHING",
                (ACTOR, *map(list, zip(*rows, strict=True))),
            )
            contacts_new += result.rowcount
    linked = 0
    items = sorted(plan.equipment_customer.items())
    for batch in _chunks(items, batch_size):
        with conn.transaction():
            _backfill_transaction(conn)
            ids = [e for e, _ in batch]
            owners = [plan.customer_id(k) for _, k in batch]
            contacts = [plan.equipment_contact.get(e) for e, _ in batch]
            result = conn.execute(
                "UPDATE equipment AS e SET customer_id = v.cid, contact_id = v.ct"
                " FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[]) AS v(id, cid, ct)"
                " WHERE e.id = v.id AND e.customer_id IS NULL",
                (ids, owners, contacts),
            )
            linked += result.rowcount
    return contacts_new, linked


def write_reviews(conn: Conn, plan: Resolution, *, batch_size: int) -> int:
    """Store the doubtful cases for a person (idempotent by their dedupe key)."""
    written = 0
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
    if get_state(conn, "customers") != "done":
        report.customers_created = write_customers(
            conn, plan, batch_size=batch_size, pause=pause, progress=progress
        )
        set_state(conn, "customers", "done")
    else:
        # A re-run: customers new since (none when nothing changed) are still written.
        report.customers_created = write_customers(
            conn, plan, batch_size=batch_size, pause=0.0, progress=progress
        )
    if get_state(conn, "tickets") != "done":
        report.tickets_linked = link_tickets(
            conn, plan, batch_size=batch_size, pause=pause, progress=progress,
            stop_after_batches=stop_after_batches,
        )  # fmt: skip
        set_state(conn, "tickets", "done")
    report.tickets_linked += sweep_unlinked(conn, batch_size=batch_size)
    report.contacts_created, report.equipment_linked = link_equipment(
        conn, plan, batch_size=batch_size
    )
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
