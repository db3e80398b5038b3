"""`clientele legacy finalize`: the contract phase, the only one-way step.

Run it once nothing reads the legacy columns any more (the old application is retired). It
archives every legacy value it is about to drop or change into `legacy_archive`, maps legacy
values the target CHECKs refuse (ticket status and priority spellings, `closed_at` that
disagrees with the status, blank titles, serials and organization names), adds the target
columns and CHECKs (NOT VALID, then VALIDATE), turns the validated CHECK on `customer_ref`
into NOT NULL without a scan, drops the legacy columns, renames `customer_ref` to
`customer_id` and the legacy constraint names to the target's, then stamps Alembic and
upgrades to head. The result has the schema of a fresh install (tested).
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.
# ruff: noqa: S608, E501

import logging
from collections.abc import Callable

from clientele import schema
from clientele.legacy import ddl, verify
from clientele.legacy.migrate import (
    LEGACY_REVISION,
    Conn,
    column_type,
    get_state,
    set_state,
    table_exists,
)

log = logging.getLogger(__name__)

STATUS = r"""CASE
    WHEN lower(regexp_replace(btrim(status), '[\s_-]+', ' ', 'g')) IN
        ('in progress', 'wip', 'assigned', 'on hold', 'working', 'started', 'in process')
        THEN 'in_progress'
    WHEN lower(btrim(status)) IN
        ('closed', 'resolved', 'done', 'completed', 'complete', 'cancelled', 'canceled', 'fixed')
        THEN 'closed'
    ELSE 'open' END"""
PRIORITY = r"""CASE
    WHEN lower(btrim(priority)) IN ('low', 'l', 'p4', 'minor') THEN 'low'
    WHEN lower(btrim(priority)) IN ('high', 'h', 'p2', 'major') THEN 'high'
    WHEN lower(btrim(priority)) IN ('critical', 'urgent', 'p1', 'emergency', 'blocker') THEN 'critical'
    ELSE 'medium' END"""

ARCHIVE = {
    "service_tickets": "jsonb_build_object('customer_id', customer_id, 'customer_name',"
    " customer_name, 'customer_phone', customer_phone, 'customer_whatsapp', customer_whatsapp,"
    " 'status', status, 'priority', priority, 'title', title, 'closed_at', closed_at)",
    "equipment": "jsonb_build_object('customer_contact_name', customer_contact_name,"
    " 'customer_contact_phone', customer_contact_phone, 'customer_contact_email',"
    " customer_contact_email, 'serial_number', serial_number)",
    "organizations": "jsonb_build_object('name', name)",
}

MAPPINGS = {
    "service_tickets": (
        f"UPDATE service_tickets AS t SET status = m.ns, priority = m.np, title = m.nt,"
        f" closed_at = CASE WHEN m.ns = 'closed' THEN coalesce(t.closed_at, t.updated_at) END"
        f" FROM (SELECT id, {STATUS} AS ns, {PRIORITY} AS np,"
        f" CASE WHEN btrim(title) = '' THEN '(no title)' ELSE title END AS nt"
        f" FROM service_tickets WHERE id = ANY(%s)) AS m WHERE t.id = m.id AND"
        f" (t.status, t.priority, t.title, t.closed_at IS NULL) IS DISTINCT FROM"
        f" (m.ns, m.np, m.nt, m.ns <> 'closed')"
    ),
    "equipment": "UPDATE equipment SET serial_number = 'UNKNOWN' WHERE id = ANY(%s)"
    " AND btrim(serial_number) = ''",
    "organizations": "UPDATE organizations SET name = 'Unnamed organization' WHERE id = ANY(%s)"
    " AND btrim(name) = ''",
}


def _checks() -> list[ddl.Step]:
    steps = []
    for table in ddl.LEGACY_TABLES:
        for name, definition in ddl.target_checks(table):
            steps += ddl._added_then_validated(table, name, definition)
    return steps


def _exists_constraint(name: str) -> str:
    return f"SELECT NOT ({ddl._constraint_missing(name)})"


def contract_steps(*, unique_name: str, equipment_fk_name: str) -> list[ddl.Step]:
    """The DDL of the contract phase, in order (guards make a re-run skip what is done)."""
    s = ddl.Step
    ref_exists = f"SELECT NOT ({ddl._column_missing('service_tickets', ddl.TICKET_REF)})"
    return [
        s("drop ticket trigger", "DROP TRIGGER IF EXISTS clientele_legacy_tickets_sync ON service_tickets"),
        s("drop equipment trigger", "DROP TRIGGER IF EXISTS clientele_legacy_equipment_sync ON equipment"),
        s("add service_tickets.created_by",
          "ALTER TABLE service_tickets ADD COLUMN IF NOT EXISTS created_by VARCHAR(200) NOT NULL DEFAULT current_user"),
        s("add equipment.updated_at",
          "ALTER TABLE equipment ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT now()"),
        s("add organizations.updated_at",
          "ALTER TABLE organizations ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT now()"),
        *_checks(),
        # Uses the validated CHECK as proof: no table scan under the exclusive lock (PG 12+).
        s("customer_ref NOT NULL", f"ALTER TABLE service_tickets ALTER COLUMN {ddl.TICKET_REF} SET NOT NULL",
          guard=ref_exists),
        s("drop the NOT NULL check", f"ALTER TABLE service_tickets DROP CONSTRAINT IF EXISTS {ddl.REF_NOT_NULL}"),
        s("drop service_tickets.customer_id (legacy)",
          "ALTER TABLE service_tickets DROP COLUMN IF EXISTS customer_id", guard=ref_exists),
        s("drop service_tickets.customer_name",
          "ALTER TABLE service_tickets DROP COLUMN IF EXISTS customer_name"),
        s("drop service_tickets.customer_phone",
          "ALTER TABLE service_tickets DROP COLUMN IF EXISTS customer_phone"),
        s("drop service_tickets.customer_whatsapp",
          "ALTER TABLE service_tickets DROP COLUMN IF EXISTS customer_whatsapp"),
        s("drop equipment.customer_contact_name",
          "ALTER TABLE equipment DROP COLUMN IF EXISTS customer_contact_name"),
        s("drop equipment.customer_contact_phone",
          "ALTER TABLE equipment DROP COLUMN IF EXISTS customer_contact_phone"),
        s("drop equipment.customer_contact_email",
          "ALTER TABLE equipment DROP COLUMN IF EXISTS customer_contact_email"),
        s("rename customer_ref", f"ALTER TABLE service_tickets RENAME COLUMN {ddl.TICKET_REF} TO customer_id",
          guard=ref_exists),
        # PostgreSQL 18 names NOT NULL constraints after their column: follow the rename.
        s("rename the NOT NULL constraint",
          "ALTER TABLE service_tickets RENAME CONSTRAINT service_tickets_customer_ref_not_null"
          " TO service_tickets_customer_id_not_null",
          guard=_exists_constraint("service_tickets_customer_ref_not_null")),
        s("rename the ticket number constraint",
          f"ALTER TABLE service_tickets RENAME CONSTRAINT {unique_name} TO uq_service_tickets_ticket_number",
          guard=_exists_constraint(unique_name) if unique_name != "uq_service_tickets_ticket_number" else "SELECT false"),
        s("rename the equipment foreign key",
          f"ALTER TABLE service_tickets RENAME CONSTRAINT {equipment_fk_name} TO fk_service_tickets_equipment_id_equipment",
          guard=_exists_constraint(equipment_fk_name)
          if equipment_fk_name != "fk_service_tickets_equipment_id_equipment" else "SELECT false"),
        *(s("drop function", f"DROP FUNCTION IF EXISTS {sig}") for sig in ddl.FUNCTION_SIGNATURES),
    ]  # fmt: skip


def _constraint_name(conn: Conn, contype: str, column: str, default: str) -> str:
    row = conn.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid"
        " AND a.attnum = ANY (c.conkey) WHERE c.conrelid = 'service_tickets'::regclass"
        " AND c.contype = %s AND a.attname = %s AND cardinality(c.conkey) = 1",
        (contype, column),
    ).fetchone()
    return default if row is None else str(row[0])


def _walk(conn: Conn, table: str, sql: str, state_key: str, batch_size: int) -> int:
    """Run `sql` (taking `%s` = an id array) over the table in committed primary-key batches."""
    cursor = get_state(conn, state_key) or "00000000-0000-0000-0000-000000000000"
    changed = 0
    while True:
        ids = [r[0] for r in conn.execute(
            f"SELECT id FROM {table} WHERE id > %s ORDER BY id LIMIT %s", (cursor, batch_size)
        )]  # fmt: skip
        if not ids:
            return changed
        with conn.transaction():
            changed += conn.execute(sql, (ids,)).rowcount
            cursor = str(ids[-1])
            set_state(conn, state_key, cursor)


def finalize(
    url: str,
    *,
    batch_size: int = 5000,
    timeouts: ddl.Timeouts | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Contract the schema to the target; counts of archived and mapped rows.

    Raises MigrationError unless migrate completed and verify passes.
    """
    timeouts = timeouts or ddl.Timeouts()
    note = progress or (lambda _: None)
    counts = {"archived": 0, "mapped": 0, "ddl_steps": 0}
    with ddl.connect(url) as conn:
        if table_exists(conn, ddl.STATE_TABLE) and not get_state(conn, "finalize_started"):
            results = verify.verify(conn)
            if not verify.all_ok(results):
                failed = "; ".join(f"{r.name}: {r.detail}" for r in results if not r.ok)
                raise ddl.MigrationError(f"verify does not pass, not finalizing: {failed}")
            set_state(conn, "finalize_started", True)
        elif (
            not table_exists(conn, ddl.STATE_TABLE)
            and column_type(conn, "service_tickets", ddl.TICKET_REF) is None
        ):
            if table_exists(conn, "alembic_version"):
                raise ddl.MigrationError("already finalized")
            raise ddl.MigrationError("nothing to finalize: run migrate first")
        revision = str(get_state(conn, "revision") or LEGACY_REVISION)
        if column_type(conn, "service_tickets", "customer_name") is not None:
            for table, expression in ARCHIVE.items():
                note(f"archiving {table}")
                counts["archived"] += _walk(
                    conn, table,
                    f"INSERT INTO legacy_archive (table_name, row_id, data) SELECT '{table}', id,"
                    f" {expression} FROM {table} WHERE id = ANY(%s) ON CONFLICT DO NOTHING",
                    f"archive_cursor_{table}", batch_size,
                )  # fmt: skip
        # The old application is gone: no trigger needed while values are mapped.
        for trigger, table in (("clientele_legacy_tickets_sync", "service_tickets"),
                               ("clientele_legacy_equipment_sync", "equipment")):  # fmt: skip
            ddl.run_step(
                conn,
                ddl.Step("drop trigger", f"DROP TRIGGER IF EXISTS {trigger} ON {table}"),
                timeouts,
            )
        for table, sql in MAPPINGS.items():
            note(f"mapping {table} values")
            counts["mapped"] += _walk(conn, table, sql, f"map_cursor_{table}", batch_size)
        # Left over only by a migrate interrupted during its sweep and not rerun.
        ddl.run_step(conn, ddl.drop_sweep_index_step(), timeouts)
        steps = contract_steps(
            unique_name=_constraint_name(
                conn, "u", "ticket_number", "uq_service_tickets_ticket_number"
            ),
            equipment_fk_name=_constraint_name(
                conn, "f", "equipment_id", "fk_service_tickets_equipment_id_equipment"
            ),
        )
        counts["ddl_steps"] = ddl.run_steps(conn, steps, timeouts, on_step=lambda s: note(s.name))
        if not table_exists(conn, "alembic_version"):
            from alembic import command

            command.stamp(schema.alembic_config(url), revision)
        schema.upgrade(url, "head")
        ddl.run_step(
            conn, ddl.Step("drop state", f"DROP TABLE IF EXISTS {ddl.STATE_TABLE}"), timeouts
        )
        note("done")
    return counts
