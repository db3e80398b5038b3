"""`clientele legacy rollback`: back to exactly the legacy shape, before `finalize` only.

`migrate` never writes a legacy column (it adds columns, tables, triggers), so going back is
removing what it added: the legacy columns of every row are then as they were before, and
rows the old application wrote meanwhile stay (they are legacy rows). Every new object is
dropped by name, children before parents; no CASCADE, so an object this tool does not know
about stops the rollback instead of vanishing with it.
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.

import logging
from collections.abc import Callable

from clientele import schema
from clientele.legacy import ddl
from clientele.legacy.migrate import (
    LEGACY_REVISION,
    Conn,
    get_state,
    phase,
    schema_is_stamped,
    table_exists,
)

log = logging.getLogger(__name__)

FOREIGN_AND_CHECKS = [
    ("service_tickets", "fk_service_tickets_customer_id_customers"),
    ("service_tickets", ddl.REF_NOT_NULL),
    ("equipment", "fk_equipment_contact_id_customer_contacts"),
    ("equipment", "fk_equipment_customer_id_customers"),
]


def rollback_steps() -> list[ddl.Step]:
    """The DDL on the legacy tables, in order: triggers, constraints, indexes, columns."""
    steps = [
        ddl.Step("drop ticket trigger",
                 "DROP TRIGGER IF EXISTS clientele_legacy_tickets_sync ON service_tickets"),
        ddl.Step("drop equipment trigger",
                 "DROP TRIGGER IF EXISTS clientele_legacy_equipment_sync ON equipment"),
    ]  # fmt: skip
    steps += [
        ddl.Step(f"drop {name}", f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
        for table, name in FOREIGN_AND_CHECKS
    ]
    steps += [
        ddl.Step(f"drop index {name}", f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        for table in ddl.LEGACY_TABLES
        for name, _ in ddl.target_indexes(table)
    ]
    steps.append(ddl.drop_sweep_index_step())
    steps += [
        ddl.Step("drop service_tickets.customer_ref",
                 f"ALTER TABLE service_tickets DROP COLUMN IF EXISTS {ddl.TICKET_REF}"),
        ddl.Step("drop equipment.contact_id",
                 "ALTER TABLE equipment DROP COLUMN IF EXISTS contact_id"),
        ddl.Step("drop equipment.customer_id",
                 "ALTER TABLE equipment DROP COLUMN IF EXISTS customer_id"),
        ddl.Step("drop ticket number sequence",
                 "DROP SEQUENCE IF EXISTS service_tickets_number_seq"),
    ]  # fmt: skip
    return steps


def rollback(
    url: str, *, timeouts: ddl.Timeouts | None = None, progress: Callable[[str], None] | None = None
) -> int:
    """Undo `migrate` (also a partial one); the number of DDL steps that ran.

    Raises MigrationError after `finalize` (one-way) or on a database that is not legacy.
    """
    timeouts = timeouts or ddl.Timeouts()
    ran = 0
    with ddl.connect(url) as conn:
        stage = phase(conn)
        if stage in ("finalized", "clientele"):
            raise ddl.MigrationError(
                "finalize has run: the legacy columns are gone and rollback is not possible"
                " (finalize is the one-way step; restore a backup taken before it)"
            )
        if stage == "missing":
            raise ddl.MigrationError("service_tickets not found: is this the legacy database?")
        if stage == "legacy":
            return 0
        revision = get_state(conn, "revision") or LEGACY_REVISION
        created_extensions = get_state(conn, "extensions_created") or []
        ran += ddl.run_steps(
            conn,
            rollback_steps(),
            timeouts,
            on_step=(lambda s: progress(s.name)) if progress else None,
        )
        ran += _drop_new_tables(conn, url, str(revision))
        for signature in ddl.FUNCTION_SIGNATURES:
            ddl.run_step(
                conn, ddl.Step("drop function", f"DROP FUNCTION IF EXISTS {signature}"), timeouts
            )
        for extension in created_extensions:
            ddl.run_step(
                conn, ddl.Step("drop extension", f"DROP EXTENSION IF EXISTS {extension}"), timeouts
            )
        ddl.run_step(
            conn, ddl.Step("drop state", f"DROP TABLE IF EXISTS {ddl.STATE_TABLE}"), timeouts
        )
        if progress:
            progress("done")
    return ran


def _drop_new_tables(conn: Conn, url: str, revision: str) -> int:
    """The revisions' own downgrades remove what they made; then revision 0001's new tables."""
    ran = 0
    if table_exists(conn, "customers"):
        # Empty the customer tables first: the support revision's downgrade puts NOT NULL back
        # on primary_phone, which phone-less migrated customers would refuse. TRUNCATE fires
        # no row trigger, so no history is written for rows about to be dropped anyway.
        present = [
            t
            for t in ("customer_legacy_ids", "customer_contacts", "customers")
            if table_exists(conn, t)
        ]
        conn.execute(f"TRUNCATE {', '.join(present)}")
        ran += 1
    if table_exists(conn, "customer_versions") or schema_is_stamped(conn):
        if not schema_is_stamped(conn):
            from alembic import command

            command.stamp(schema.alembic_config(url), revision)
        schema.downgrade(url, "0001")
        ran += 1
    conn.execute("DROP TABLE IF EXISTS alembic_version")
    for table in reversed(ddl.new_core_tables()):  # children (web_sessions) before parents
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    return ran + 1
