"""Core schema: organizations, customers, legacy ids, contacts, equipment, tickets, API tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

The customers table follows design doc T1.2 (types, defaults, CHECKs, the trigram index and
the partial unique index on active primary phones), plus `version` for optimistic concurrency,
`merged_into_id` so merged rows keep resolving, and a table of legacy ids. On an empty database
plain CREATE INDEX is right (nothing to block); later revisions on live tables use CONCURRENTLY.
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

E164 = r"'^\+[1-9][0-9]{6,14}$'"

UPGRADE = f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE organizations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(500) NOT NULL CONSTRAINT ck_organizations_name_not_blank CHECK (btrim(name) <> ''),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_organizations_name_trgm ON organizations USING gin (name gin_trgm_ops);
CREATE INDEX ix_organizations_created_at_id ON organizations (created_at, id);

CREATE TABLE customers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID
        CONSTRAINT fk_customers_organization_id_organizations
        REFERENCES organizations (id) ON DELETE RESTRICT,
    customer_type VARCHAR(20) NOT NULL
        CONSTRAINT ck_customers_customer_type CHECK (customer_type IN
            ('hospital', 'clinic', 'lab', 'manufacturer', 'dealer', 'individual')),
    name VARCHAR(500) NOT NULL CONSTRAINT ck_customers_name_not_blank CHECK (btrim(name) <> ''),
    display_name VARCHAR(500),
    primary_phone VARCHAR(20) NOT NULL
        CONSTRAINT ck_customers_primary_phone_e164 CHECK (primary_phone ~ {E164}),
    secondary_phone VARCHAR(20)
        CONSTRAINT ck_customers_secondary_phone_e164 CHECK (secondary_phone ~ {E164}),
    whatsapp_number VARCHAR(20)
        CONSTRAINT ck_customers_whatsapp_number_e164 CHECK (whatsapp_number ~ {E164}),
    email VARCHAR(255) CONSTRAINT ck_customers_email CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    address_line1 VARCHAR(500),
    address_line2 VARCHAR(500),
    city VARCHAR(100),
    state VARCHAR(100),
    pincode VARCHAR(10) CONSTRAINT ck_customers_pincode CHECK (pincode ~ '^[1-9][0-9]{{5}}$'),
    country CHAR(2) NOT NULL DEFAULT 'IN',
    gstin VARCHAR(15) CONSTRAINT ck_customers_gstin CHECK (gstin ~ '^[0-9]{{2}}[A-Z0-9]{{13}}$'),
    tier VARCHAR(20) NOT NULL DEFAULT 'standard'
        CONSTRAINT ck_customers_tier CHECK (tier IN ('standard', 'silver', 'gold', 'platinum')),
    status VARCHAR(20) NOT NULL DEFAULT 'active'
        CONSTRAINT ck_customers_status CHECK (status IN ('active', 'inactive', 'blocked')),
    blocked_reason TEXT,
    tags TEXT[] NOT NULL DEFAULT '{{}}',
    metadata JSONB NOT NULL DEFAULT '{{}}',
    version INTEGER NOT NULL DEFAULT 1 CONSTRAINT ck_customers_version_positive CHECK (version > 0),
    merged_into_id UUID
        CONSTRAINT fk_customers_merged_into_id_customers REFERENCES customers (id) ON DELETE RESTRICT,
    created_by VARCHAR(200) NOT NULL DEFAULT current_user,
    updated_by VARCHAR(200) NOT NULL DEFAULT current_user,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ck_customers_blocked_has_reason CHECK (status <> 'blocked' OR blocked_reason IS NOT NULL),
    CONSTRAINT ck_customers_not_merged_into_self CHECK (merged_into_id <> id)
);
CREATE INDEX ix_customers_name_trgm ON customers USING gin (name gin_trgm_ops);
CREATE UNIQUE INDEX uq_customers_primary_phone_active ON customers (primary_phone)
    WHERE status = 'active';
CREATE INDEX ix_customers_primary_phone ON customers (primary_phone);
CREATE INDEX ix_customers_secondary_phone ON customers (secondary_phone)
    WHERE secondary_phone IS NOT NULL;
CREATE INDEX ix_customers_whatsapp_number ON customers (whatsapp_number)
    WHERE whatsapp_number IS NOT NULL;
CREATE INDEX ix_customers_created_at_id ON customers (created_at, id);
CREATE INDEX ix_customers_city ON customers (lower(city), created_at, id);
CREATE INDEX ix_customers_state ON customers (lower(state), created_at, id);
CREATE INDEX ix_customers_customer_type ON customers (customer_type, created_at, id);
CREATE INDEX ix_customers_status ON customers (status, created_at, id);
CREATE INDEX ix_customers_organization_id ON customers (organization_id)
    WHERE organization_id IS NOT NULL;
CREATE INDEX ix_customers_tags ON customers USING gin (tags);
CREATE INDEX ix_customers_merged_into_id ON customers (merged_into_id)
    WHERE merged_into_id IS NOT NULL;

-- Old VARCHAR(32) ids (32-hex uuids, CUST- codes), stored trimmed and case-folded.
CREATE TABLE customer_legacy_ids (
    legacy_id VARCHAR(64) PRIMARY KEY
        CONSTRAINT ck_customer_legacy_ids_normalized CHECK (legacy_id = lower(btrim(legacy_id)) AND legacy_id <> ''),
    customer_id UUID NOT NULL
        CONSTRAINT fk_customer_legacy_ids_customer_id_customers
        REFERENCES customers (id) ON DELETE RESTRICT,
    original_value VARCHAR(64) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_customer_legacy_ids_customer_id ON customer_legacy_ids (customer_id);

CREATE TABLE customer_contacts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id UUID NOT NULL
        CONSTRAINT fk_customer_contacts_customer_id_customers
        REFERENCES customers (id) ON DELETE RESTRICT,
    name VARCHAR(255) NOT NULL CONSTRAINT ck_customer_contacts_name_not_blank CHECK (btrim(name) <> ''),
    role VARCHAR(100),
    phone VARCHAR(20) CONSTRAINT ck_customer_contacts_phone_e164 CHECK (phone ~ {E164}),
    email VARCHAR(255) CONSTRAINT ck_customer_contacts_email CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    whatsapp VARCHAR(20) CONSTRAINT ck_customer_contacts_whatsapp_e164 CHECK (whatsapp ~ {E164}),
    created_by VARCHAR(200) NOT NULL DEFAULT current_user,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_customer_contacts_customer_id ON customer_contacts (customer_id, created_at, id);
CREATE INDEX ix_customer_contacts_phone ON customer_contacts (phone) WHERE phone IS NOT NULL;

CREATE TABLE equipment (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    serial_number VARCHAR(100) NOT NULL,
    model VARCHAR(255),
    manufacturer VARCHAR(255),
    customer_id UUID
        CONSTRAINT fk_equipment_customer_id_customers REFERENCES customers (id) ON DELETE RESTRICT,
    contact_id UUID
        CONSTRAINT fk_equipment_contact_id_customer_contacts
        REFERENCES customer_contacts (id) ON DELETE RESTRICT,
    installation_city VARCHAR(100),
    installation_state VARCHAR(100),
    installed_at DATE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ck_equipment_serial_number_not_blank CHECK (btrim(serial_number) <> ''),
    -- Equipment in stock has no customer, so nobody there to be its contact person.
    CONSTRAINT ck_equipment_contact_needs_customer CHECK (contact_id IS NULL OR customer_id IS NOT NULL)
);
CREATE INDEX ix_equipment_customer_id ON equipment (customer_id, created_at, id)
    WHERE customer_id IS NOT NULL;
CREATE INDEX ix_equipment_serial_number ON equipment (serial_number);
CREATE INDEX ix_equipment_created_at_id ON equipment (created_at, id);
-- Deleting a contact checks (and names) the equipment that still points at it.
CREATE INDEX ix_equipment_contact_id ON equipment (contact_id) WHERE contact_id IS NOT NULL;

CREATE TABLE service_tickets (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_number VARCHAR(32) NOT NULL CONSTRAINT uq_service_tickets_ticket_number UNIQUE,
    customer_id UUID NOT NULL
        CONSTRAINT fk_service_tickets_customer_id_customers
        REFERENCES customers (id) ON DELETE RESTRICT,
    equipment_id UUID
        CONSTRAINT fk_service_tickets_equipment_id_equipment REFERENCES equipment (id),
    title VARCHAR(255) NOT NULL CONSTRAINT ck_service_tickets_title_not_blank CHECK (btrim(title) <> ''),
    description TEXT,
    status VARCHAR(50) NOT NULL DEFAULT 'open'
        CONSTRAINT ck_service_tickets_status CHECK (status IN ('open', 'in_progress', 'closed')),
    priority VARCHAR(20) NOT NULL DEFAULT 'medium'
        CONSTRAINT ck_service_tickets_priority CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    created_by VARCHAR(200) NOT NULL DEFAULT current_user,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at TIMESTAMPTZ,
    CONSTRAINT ck_service_tickets_closed_at_iff_closed CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX ix_service_tickets_customer_id ON service_tickets (customer_id, created_at, id);
CREATE INDEX ix_service_tickets_equipment_id ON service_tickets (equipment_id)
    WHERE equipment_id IS NOT NULL;
CREATE INDEX ix_service_tickets_created_at ON service_tickets (created_at, id);
-- The ticket list filtered by status, newest first (a keyset range scan).
CREATE INDEX ix_service_tickets_status ON service_tickets (status, created_at, id);
-- Reports on open work (open tickets by tier): the not-closed tickets are a small slice.
CREATE INDEX ix_service_tickets_open_customer_id ON service_tickets (customer_id)
    WHERE status <> 'closed';
-- Ticket numbers (TKT-2026-000123); dropped with the table.
CREATE SEQUENCE service_tickets_number_seq OWNED BY service_tickets.ticket_number;

-- API tokens: only a SHA-256 of the (256-bit random) secret is stored.
CREATE TABLE api_tokens (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(100) NOT NULL CONSTRAINT ck_api_tokens_name_not_blank CHECK (btrim(name) <> ''),
    role VARCHAR(20) NOT NULL CONSTRAINT ck_api_tokens_role CHECK (role IN ('viewer', 'agent', 'admin')),
    token_hash BYTEA NOT NULL CONSTRAINT uq_api_tokens_token_hash UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);

-- Web UI users (issue #8): argon2id hashes only; a disabled user cannot log in.
CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username VARCHAR(64) NOT NULL CONSTRAINT uq_users_username UNIQUE
        CONSTRAINT ck_users_username CHECK (username ~ '^[a-z0-9][a-z0-9._-]{{0,63}}$'),
    role VARCHAR(20) NOT NULL CONSTRAINT ck_users_role CHECK (role IN ('viewer', 'agent', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    disabled_at TIMESTAMPTZ
);

-- Web UI sessions, server-side so logging out (or disabling a user) ends them at once.
-- Only a SHA-256 of the (256-bit random) cookie value is stored.
CREATE TABLE web_sessions (
    id_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL
        CONSTRAINT fk_web_sessions_user_id_users REFERENCES users (id) ON DELETE CASCADE,
    csrf_token VARCHAR(64) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_web_sessions_user_id ON web_sessions (user_id);
CREATE INDEX ix_web_sessions_expires_at ON web_sessions (expires_at);

-- Idempotency-Key (issue #9): the first answer to a POST, per caller and key, for 24 hours.
-- Written in the same transaction as the request's own writes, so both or neither are stored.
CREATE TABLE idempotency_keys (
    caller VARCHAR(200) NOT NULL,
    key VARCHAR(255) NOT NULL,
    request_hash BYTEA NOT NULL,
    status_code SMALLINT NOT NULL,
    response_headers JSONB NOT NULL,
    response_body BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT pk_idempotency_keys PRIMARY KEY (caller, key)
);
CREATE INDEX ix_idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- Audit trail (issue #9): every admin action, who, what, when and with what outcome.
CREATE TABLE audit_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor VARCHAR(200) NOT NULL,
    action VARCHAR(300) NOT NULL,
    target JSONB NOT NULL DEFAULT '{{}}',
    outcome VARCHAR(20) NOT NULL
        CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('success', 'denied', 'failed', 'error')),
    status_code SMALLINT,
    request_id VARCHAR(64)
);
CREATE INDEX ix_audit_events_actor ON audit_events (actor, id);

-- Failed web UI logins (issue #9), counted per username and per client address over a window,
-- in the database so that every worker process sees the same counts.
CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username VARCHAR(200) NOT NULL,
    client_ip VARCHAR(64) NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_login_failures_username ON login_failures (username, failed_at);
CREATE INDEX ix_login_failures_client_ip ON login_failures (client_ip, failed_at);
"""

DOWNGRADE = """
DROP TABLE login_failures;
DROP TABLE audit_events;
DROP TABLE idempotency_keys;
DROP TABLE web_sessions;
DROP TABLE users;
DROP TABLE api_tokens;
DROP TABLE service_tickets;
DROP TABLE equipment;
DROP TABLE customer_contacts;
DROP TABLE customer_legacy_ids;
DROP TABLE customers;
DROP TABLE organizations;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    # pg_trgm stays: other databases' objects on this server may use it.
    op.execute(DOWNGRADE)
