"""Loading a generated data set into the database with COPY (fast enough for a million rows)."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from clientele.db import libpq_url
from clientele.demo.dataset import DemoDataset

DEMO_ACTOR = "demo:loader"

# Column lists equal the demo dataclasses' attribute names, so rows are read by name.
ORGANIZATION_COLUMNS = ("id", "name")
CUSTOMER_COLUMNS = (
    "id", "organization_id", "customer_type", "name", "display_name", "primary_phone",
    "secondary_phone", "whatsapp_number", "primary_email", "address_line1", "address_line2",
    "city", "state", "postal_code", "tax_id", "tier", "status", "blocked_reason", "tags",
    "created_at",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "customer_id", "name", "role", "phone", "email", "whatsapp")
EQUIPMENT_COLUMNS = (
    "id", "customer_id", "contact_id", "serial_number", "model", "manufacturer",
    "installation_city", "installation_state", "installed_at",
)  # fmt: skip
TICKET_COLUMNS = (
    "id", "ticket_number", "customer_id", "equipment_id", "title", "description", "status",
    "priority", "created_at", "updated_at", "closed_at",
)  # fmt: skip

Progress = Callable[[str, int], None]


def _copy(
    conn: psycopg.Connection[Any],
    table: str,
    columns: Sequence[str],
    rows: Iterable[object],
    progress: Progress,
    *,
    extra: Mapping[str, object] | None = None,
) -> None:
    """COPY `rows` (read by attribute name) into `table`, with `extra` constant columns."""
    extra = extra or {}
    read = attrgetter(*columns)
    names = ", ".join((*columns, *extra))
    constants = tuple(extra.values())
    count = 0
    with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            # Tuples (tags) go to JSONB columns as JSON arrays.
            values = (Jsonb(list(v)) if isinstance(v, tuple) else v for v in read(row))
            copy.write_row((*values, *constants))
            count += 1
            if count % 10_000 == 0:
                progress(table, 10_000)
    progress(table, count % 10_000)


def load_dataset(url: str, dataset: DemoDataset, *, progress: Progress) -> None:
    """Insert every row of `dataset` in one transaction: all of it lands, or none."""
    actor = {"created_by": DEMO_ACTOR}
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SELECT set_config('clientele.actor', %s, true)", (DEMO_ACTOR,))
        _copy(conn, "organizations", ORGANIZATION_COLUMNS, dataset.organizations, progress)
        _copy(
            conn,
            "customers",
            CUSTOMER_COLUMNS,
            dataset.customers,
            progress,
            extra={**actor, "updated_by": DEMO_ACTOR},
        )
        _copy(conn, "customer_contacts", CONTACT_COLUMNS, dataset.contacts, progress, extra=actor)
        _copy(conn, "equipment", EQUIPMENT_COLUMNS, dataset.equipment, progress)
        _copy(conn, "service_tickets", TICKET_COLUMNS, dataset.tickets, progress, extra=actor)
        conn.commit()


def has_customers(url: str) -> bool:
    """True when the database already holds customers (the demo then loads nothing)."""
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT EXISTS (SELECT FROM customers)").fetchone() == (True,)


def has_table(url: str, name: str) -> bool:
    """True when a table (or view) of that name is in the database's current schema."""
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone() == (True,)


def refresh_search(url: str) -> None:
    """Recount search word frequencies after a bulk load (writes only add new words)."""
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SELECT clientele_search_refresh()")
