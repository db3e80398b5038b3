"""Every schema change the legacy migration makes, and the careful way it runs them.

Each DDL statement runs in its own short transaction on an autocommit connection with
`lock_timeout` and `statement_timeout` set, and is retried with exponential backoff (plus
jitter) when it could not get its lock in time: a waiting ALTER would otherwise queue every
query of the running application behind it. Foreign keys and checks are added NOT VALID and
validated separately; indexes are built CONCURRENTLY and an invalid leftover of an interrupted
build is dropped and built again. Steps carry a guard (a query answering "still to do?") so a
re-run after a crash skips what is done.

The target shape is read from revision 0001 (`target.py`); the SQL functions and triggers'
bodies are in `sql_functions.py`.
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.
# ruff: noqa: S608

import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import errors

from clientele.legacy.sql_functions import FUNCTION_SIGNATURES as FUNCTION_SIGNATURES
from clientele.legacy.sql_functions import FUNCTIONS
from clientele.legacy.sql_functions import PLACEHOLDER_ID as PLACEHOLDER_ID
from clientele.legacy.target import LEGACY_TABLES as LEGACY_TABLES
from clientele.legacy.target import TICKET_REF as TICKET_REF
from clientele.legacy.target import core_statements_for_new_tables as core_statements_for_new_tables
from clientele.legacy.target import new_core_tables as new_core_tables
from clientele.legacy.target import revision_sql as revision_sql
from clientele.legacy.target import target_checks as target_checks
from clientele.legacy.target import target_indexes as target_indexes

log = logging.getLogger(__name__)

STATE_TABLE = "legacy_migration_state"


class MigrationError(RuntimeError):
    """A step could not be completed (its message says which and why)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One DDL statement; `guard` (SQL returning one boolean) says whether it is still to do."""

    name: str
    sql: str
    guard: str | None = None
    concurrent_index: str | None = None  # the index name, for invalid-leftover detection
    slow: bool = False  # scans a table (VALIDATE, CREATE INDEX): a long statement timeout


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Lock and statement timeouts for DDL, and the retry policy on lock timeouts."""

    lock_timeout_ms: int = 500
    statement_timeout_ms: int = 60_000
    slow_statement_timeout_ms: int = 3_600_000
    attempts: int = 12
    first_backoff_s: float = 0.2
    max_backoff_s: float = 10.0


# --- what migrate adds to the legacy tables --------------------------------------------------


def _column_missing(table: str, column: str) -> str:
    return (
        "SELECT NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = "
        f"current_schema() AND table_name = '{table}' AND column_name = '{column}')"
    )


def _constraint_missing(name: str) -> str:
    return (
        "SELECT NOT EXISTS (SELECT FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
        f"c.connamespace WHERE n.nspname = current_schema() AND c.conname = '{name}')"
    )


def _constraint_not_valid(name: str) -> str:
    return (
        "SELECT EXISTS (SELECT FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
        f"c.connamespace WHERE n.nspname = current_schema() AND c.conname = '{name}' "
        "AND NOT c.convalidated)"
    )


def _trigger_missing(name: str) -> str:
    return f"SELECT NOT EXISTS (SELECT FROM pg_trigger WHERE tgname = '{name}')"


def _added_then_validated(table: str, name: str, definition: str) -> list[Step]:
    return [
        Step(
            f"add {name}",
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID",
            guard=_constraint_missing(name),
        ),
        Step(
            f"validate {name}",
            f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}",
            guard=_constraint_not_valid(name),
            slow=True,
        ),
    ]


EXPAND_COLUMNS = [
    Step(
        "add service_tickets.customer_ref",
        f"ALTER TABLE service_tickets ADD COLUMN IF NOT EXISTS {TICKET_REF} UUID",
        guard=_column_missing("service_tickets", TICKET_REF),
    ),
    Step(
        "add equipment.customer_id",
        "ALTER TABLE equipment ADD COLUMN IF NOT EXISTS customer_id UUID",
        guard=_column_missing("equipment", "customer_id"),
    ),
    Step(
        "add equipment.contact_id",
        "ALTER TABLE equipment ADD COLUMN IF NOT EXISTS contact_id UUID",
        guard=_column_missing("equipment", "contact_id"),
    ),
]

TRIGGERS = [
    Step(
        "trigger on service_tickets",
        "CREATE OR REPLACE TRIGGER clientele_legacy_tickets_sync BEFORE INSERT OR UPDATE "
        "ON service_tickets FOR EACH ROW EXECUTE FUNCTION clientele_legacy_tickets_sync()",
        guard=_trigger_missing("clientele_legacy_tickets_sync"),
    ),
    Step(
        "trigger on equipment",
        "CREATE OR REPLACE TRIGGER clientele_legacy_equipment_sync BEFORE INSERT OR UPDATE "
        "ON equipment FOR EACH ROW EXECUTE FUNCTION clientele_legacy_equipment_sync()",
        guard=_trigger_missing("clientele_legacy_equipment_sync"),
    ),
]

REF_NOT_NULL = "ck_service_tickets_customer_ref_not_null"

CONSTRAINTS = [
    *_added_then_validated(
        "service_tickets",
        "fk_service_tickets_customer_id_customers",
        f"FOREIGN KEY ({TICKET_REF}) REFERENCES customers (id) ON DELETE RESTRICT",
    ),
    # NOT NULL the online way: a validated CHECK now; finalize's SET NOT NULL then skips the scan.
    *_added_then_validated("service_tickets", REF_NOT_NULL, f"CHECK ({TICKET_REF} IS NOT NULL)"),
    *_added_then_validated(
        "equipment",
        "fk_equipment_customer_id_customers",
        "FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT",
    ),
    *_added_then_validated(
        "equipment",
        "fk_equipment_contact_id_customer_contacts",
        "FOREIGN KEY (contact_id) REFERENCES customer_contacts (id) ON DELETE RESTRICT",
    ),
]


def index_steps() -> list[Step]:
    """The target indexes of the legacy tables, built CONCURRENTLY."""
    steps = []
    for table in LEGACY_TABLES:
        for name, statement in target_indexes(table):
            sql = statement.replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY IF NOT EXISTS ", 1)
            guard = (
                f"SELECT to_regclass('{name}') IS NULL OR EXISTS (SELECT FROM pg_index"
                f" WHERE indexrelid = to_regclass('{name}') AND NOT indisvalid)"
            )
            steps.append(Step(f"index {name}", sql, guard, concurrent_index=name, slow=True))
    return steps


# The sweep for tickets still unlinked after the ticket pass reads them through this partial
# index (a handful of rows) instead of scanning every ticket per batch; built CONCURRENTLY just
# before the sweep (by then nearly every ticket is linked, so it is tiny) and dropped after it.
SWEEP_INDEX = "ix_legacy_service_tickets_unlinked"


def sweep_index_step() -> Step:
    """The unlinked-tickets partial index, built CONCURRENTLY (an invalid leftover rebuilt);
    not when the target index on the ticket's customer exists (a rerun: that one serves)."""
    guard = (
        f"SELECT (to_regclass('{SWEEP_INDEX}') IS NULL OR EXISTS (SELECT FROM pg_index"
        f" WHERE indexrelid = to_regclass('{SWEEP_INDEX}') AND NOT indisvalid))"
        " AND to_regclass('ix_service_tickets_customer_id') IS NULL"
    )
    return Step(
        f"index {SWEEP_INDEX}",
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SWEEP_INDEX} ON service_tickets (id)"
        f" WHERE {TICKET_REF} IS NULL",
        guard,
        concurrent_index=SWEEP_INDEX,
        slow=True,
    )


def drop_sweep_index_step() -> Step:
    """Drop the sweep's index (after the sweep, and in rollback and finalize if left over)."""
    return Step(
        f"drop index {SWEEP_INDEX}",
        f"DROP INDEX CONCURRENTLY IF EXISTS {SWEEP_INDEX}",
        f"SELECT to_regclass('{SWEEP_INDEX}') IS NOT NULL",
    )


def _function_step(sql: str) -> Step:
    """CREATE OR REPLACE FUNCTION, skipped when the same body is already installed."""
    sql = sql.strip()
    match = re.search(r"FUNCTION (\w+)\(", sql)
    if match is None:
        raise ValueError("not a CREATE FUNCTION statement")
    body = sql[sql.index("$$") + 2 : sql.rindex("$$")]
    guard = (
        f"SELECT NOT EXISTS (SELECT FROM pg_proc WHERE proname = '{match.group(1)}'"
        f" AND prosrc = $guard${body}$guard$)"
    )
    return Step(f"function {match.group(1)}", sql, guard=guard)


def expand_steps() -> list[Step]:
    """migrate's DDL on the legacy tables, before the backfill (columns, functions, triggers)."""
    return [*EXPAND_COLUMNS, *(_function_step(f) for f in FUNCTIONS), *TRIGGERS]


def after_backfill_steps() -> list[Step]:
    """migrate's DDL once every row is linked: constraints, then indexes."""
    return [*CONSTRAINTS, *index_steps()]


# --- running DDL ---------------------------------------------------------------------------


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection: every DDL statement is its own short transaction."""
    return psycopg.connect(url, autocommit=True)


def _set_timeouts(conn: psycopg.Connection[tuple[object, ...]], lock_ms: int, stmt_ms: int) -> None:
    conn.execute(f"SET lock_timeout = {int(lock_ms)}")
    conn.execute(f"SET statement_timeout = {int(stmt_ms)}")


def _drop_invalid_index(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    row = conn.execute(
        "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", (name,)
    ).fetchone()
    if row is not None and row[0]:
        log.warning("dropping the invalid leftover index %s of an interrupted build", name)
        conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def run_step(conn: psycopg.Connection[tuple[object, ...]], step: Step, timeouts: Timeouts) -> bool:
    """Run one step unless its guard says it is done; True when it ran.

    Raises MigrationError when the lock could not be had after `timeouts.attempts` tries.
    """
    if step.guard is not None:
        row = conn.execute(step.guard).fetchone()
        if row is None or not row[0]:
            return False
    stmt_ms = timeouts.slow_statement_timeout_ms if step.slow else timeouts.statement_timeout_ms
    delay = timeouts.first_backoff_s
    for attempt in range(1, timeouts.attempts + 1):
        _set_timeouts(conn, timeouts.lock_timeout_ms, stmt_ms)
        try:
            if step.concurrent_index:
                _drop_invalid_index(conn, step.concurrent_index)
            conn.execute(step.sql)
            return True
        except errors.LockNotAvailable:
            log.warning("%s: lock not granted in time (attempt %d)", step.name, attempt)
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
            delay = min(delay * 2, timeouts.max_backoff_s)
    raise MigrationError(f"{step.name}: could not get its lock after {timeouts.attempts} tries")


def run_steps(
    conn: psycopg.Connection[tuple[object, ...]],
    steps: list[Step],
    timeouts: Timeouts,
    on_step: Callable[[Step], None] | None = None,
) -> int:
    """Run steps in order; the number that ran (the others were already done)."""
    ran = 0
    for step in steps:
        if run_step(conn, step, timeouts):
            ran += 1
        if on_step is not None:
            on_step(step)
    return ran
