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

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from uuid import UUID

from alembic import command

from clientele import schema
from clientele.legacy import ddl
from clientele.legacy.customers import Progress, write_customers
from clientele.legacy.linking import link_equipment, link_tickets, sweep_unlinked, write_reviews
from clientele.legacy.pacing import ACTOR as ACTOR
from clientele.legacy.pacing import Pacer
from clientele.legacy.records import EquipmentRow, Resolution, TicketRow
from clientele.legacy.resolve import resolve
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
    # Wall seconds of each part (schema, plan, customers, tickets, sweep, equipment, reviews,
    # constraints and indexes), in order.
    phases: dict[str, float] = field(default_factory=dict)
    _lap: float = 0.0

    def lap(self, phase: str) -> None:
        """Record the time since the previous lap (or the start) as `phase`."""
        now = time.monotonic()
        self.phases[phase] = round(now - (self._lap or now), 2)
        self._lap = now

    def paced(self, pacer: Pacer) -> None:
        """Record how a stage's batches went."""
        self.pacing[pacer.stage] = {
            "batches": pacer.batches,
            "retries": pacer.retries,
            "longest_hold_ms": round(pacer.longest_s * 1000),
            "last_size": pacer.size,
        }


# --- reading the legacy rows ---------------------------------------------------------------


def read_tickets(conn: Conn) -> list[TicketRow]:
    """The identity columns of every ticket (one pass; the plan needs them all at once).

    A binary COPY: about a quarter of the time a cursor took to fetch a million rows.
    """
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY (SELECT id, created_at, customer_id, customer_name, customer_phone,"
            " customer_whatsapp, equipment_id FROM service_tickets) TO STDOUT (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["uuid", "timestamptz", "text", "text", "text", "text", "uuid"])
        return [TicketRow(*row) for row in copy.rows()]


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
    report.lap("start")
    with ddl.connect(url) as conn:
        check_legacy_shape(conn)
        if not table_exists(conn, ddl.STATE_TABLE):
            ddl.run_step(conn, ddl.Step("state table", STATE_DDL), timeouts)
            report.ddl_steps += 1
        report.ddl_steps += ensure_new_tables(conn, url, timeouts)
        report.ddl_steps += ddl.run_steps(conn, ddl.expand_steps(), timeouts)
        if progress:
            progress("schema", 1, 1)
        report.lap("schema")
        with _frozen_when_built():
            plan = compute_resolution(conn)
        report.lap("plan")
        try:
            _backfill(conn, url, plan, report, batch_size=batch_size, pause=pause,
                      timeouts=timeouts, progress=progress,
                      stop_after_batches=stop_after_batches)  # fmt: skip
        finally:
            gc.unfreeze()
    report.seconds = time.monotonic() - started
    return report


def _backfill(
    conn: Conn, url: str, plan: Resolution, report: MigrateReport, *, batch_size: int,
    pause: float, timeouts: ddl.Timeouts, progress: Progress | None,
    stop_after_batches: int | None,
) -> None:  # fmt: skip
    """Customers, tickets, the sweep, equipment, reviews, then constraints and indexes."""
    # A re-run writes customers new since (none when nothing changed), without pauses.
    customers_done = get_state(conn, "customers") == "done"

    def second_connection() -> Conn:
        """For the second backfill worker: it waits for locks as this one does."""
        other = ddl.connect(url)
        other.execute(
            "SELECT set_config('lock_timeout', %s, false)", (str(timeouts.lock_timeout_ms),)
        )
        return other

    report.customers_created, pacer, vocabulary = write_customers(
        conn, plan, batch_size=batch_size, pause=0.0 if customers_done else pause,
        progress=progress, connect=second_connection,
    )  # fmt: skip
    report.paced(vocabulary)
    report.paced(pacer)
    if not customers_done:
        set_state(conn, "customers", "done")
    report.lap("customers")
    if get_state(conn, "tickets") != "done":
        report.tickets_linked, pacer = link_tickets(
            conn, plan, batch_size=batch_size, pause=pause, progress=progress,
            stop_after_batches=stop_after_batches, connect=second_connection,
        )  # fmt: skip
        report.paced(pacer)
        set_state(conn, "tickets", "done")
    report.lap("tickets")
    report.ddl_steps += ddl.run_steps(conn, [ddl.sweep_index_step()], timeouts)
    swept, pacer = sweep_unlinked(conn, batch_size=batch_size)
    report.ddl_steps += ddl.run_steps(conn, [ddl.drop_sweep_index_step()], timeouts)
    report.tickets_linked += swept
    report.paced(pacer)
    report.lap("sweep")
    report.contacts_created, report.equipment_linked, pacer = link_equipment(
        conn, plan, batch_size=batch_size
    )
    report.paced(pacer)
    report.lap("equipment")
    report.review_items = write_reviews(conn, plan, batch_size=batch_size)
    report.lap("reviews")
    report.ddl_steps += ddl.run_steps(conn, ddl.after_backfill_steps(), timeouts)
    report.lap("constraints and indexes")
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
