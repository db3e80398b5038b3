"""The legacy database's shape, exactly as contract section 4 gives it (tests, demo, benchmark)."""

LEGACY_SCHEMA = """
CREATE TABLE organizations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(500) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE TABLE equipment (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    serial_number VARCHAR(100) NOT NULL,
    model VARCHAR(255),
    manufacturer VARCHAR(255),
    customer_contact_name VARCHAR(255),
    customer_contact_phone VARCHAR(20),
    customer_contact_email VARCHAR(255),
    installation_city VARCHAR(100),
    installation_state VARCHAR(100),
    installed_at DATE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE TABLE service_tickets (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_number VARCHAR(32) NOT NULL UNIQUE,
    customer_id VARCHAR(32),
    customer_name VARCHAR(500),
    customer_phone VARCHAR(20),
    customer_whatsapp VARCHAR(20),
    equipment_id UUID REFERENCES equipment(id),
    title VARCHAR(255) NOT NULL,
    description TEXT,
    status VARCHAR(50) NOT NULL DEFAULT 'open',
    priority VARCHAR(20) NOT NULL DEFAULT 'medium',
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    closed_at TIMESTAMPTZ
);
"""

# Every legacy column of every legacy row, hashed in primary-key order: equal before `migrate`
# and after `rollback` (rule 11). Columns are listed, so added columns do not count.
LEGACY_COLUMNS = {
    "organizations": ("id", "name", "created_at"),
    "equipment": (
        "id", "serial_number", "model", "manufacturer", "customer_contact_name",
        "customer_contact_phone", "customer_contact_email", "installation_city",
        "installation_state", "installed_at", "created_at",
    ),
    "service_tickets": (
        "id", "ticket_number", "customer_id", "customer_name", "customer_phone",
        "customer_whatsapp", "equipment_id", "title", "description", "status", "priority",
        "created_at", "updated_at", "closed_at",
    ),
}  # fmt: skip


def legacy_md5_sql(table: str) -> str:
    """A query answering one md5 over every legacy column of every row of `table`."""
    columns = ", ".join(LEGACY_COLUMNS[table])
    return (
        f"SELECT md5(coalesce(string_agg(md5(row({columns})::text), '' ORDER BY id), ''))"  # noqa: S608
        f" FROM {table}"
    )
