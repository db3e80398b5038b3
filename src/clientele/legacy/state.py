"""The legacy migration's state: which phase a database is in, and the key/value state table
that `migrate`, `verify`, `rollback` and `finalize` read and write (each step re-runnable)."""

# The state table's name is a constant of ddl.py, never input.
# ruff: noqa: S608

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from clientele.legacy import ddl

Conn = psycopg.Connection[tuple[Any, ...]]

LEGACY_REVISION = "0004"  # the revision a migrated legacy database is stamped at


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
    """`legacy` (never migrated), `expanded` (migrate ran, maybe partly), `finalized`,
    `clientele`, or `missing`."""
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
