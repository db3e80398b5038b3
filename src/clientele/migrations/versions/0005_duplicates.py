"""Duplicates: scored pairs and groups with reasons, merges with every moved row, for undo.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10

* `duplicate_pairs`: one row per pair of customers the scan (or the online check) scored as
  likely duplicates: match weight, probability, reasons (JSON), and a status that a person
  decides (`open`, `dismissed`, `merged`). A rescan updates scores but never reopens a
  dismissed pair, so "not a duplicate" stays decided.
* `duplicate_groups`: the connected sets of open pairs, rebuilt by each scan; dismissed and
  merged groups are kept for the record.
* `merges` and `merge_moves`: what a merge did (every customer row as it was before, every
  field it filled on the survivor, every ticket, equipment, contact and legacy id it moved),
  so `POST /merges/{id}/undo` can put back exactly that.
* Merged customers keep their row with `merged_into_id` (0001) and, if they were active, become
  `inactive`: the partial unique index on active phones then never blocks a merge, and the
  status CHECK needs no new value (docs/duplicates.md).
* Indexes for the online check on create/update: e-mail (case-folded) and GSTIN, built
  CONCURRENTLY since `customers` is a live table.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE duplicate_groups (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_ids UUID[] NOT NULL CONSTRAINT ck_duplicate_groups_two_or_more CHECK (cardinality(customer_ids) >= 2),
    probability DOUBLE PRECISION NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'open'
        CONSTRAINT ck_duplicate_groups_status CHECK (status IN ('open', 'dismissed', 'merged')),
    merge_id UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_at TIMESTAMPTZ,
    decided_by VARCHAR(200)
);
COMMENT ON TABLE duplicate_groups IS
    'Suspected duplicate customers (connected likely-duplicate pairs); rebuilt by each scan.';
CREATE INDEX ix_duplicate_groups_queue ON duplicate_groups (status, probability DESC, id);
CREATE INDEX ix_duplicate_groups_customer_ids ON duplicate_groups USING gin (customer_ids);

CREATE TABLE duplicate_pairs (
    customer_a UUID NOT NULL
        CONSTRAINT fk_duplicate_pairs_customer_a_customers REFERENCES customers (id) ON DELETE CASCADE,
    customer_b UUID NOT NULL
        CONSTRAINT fk_duplicate_pairs_customer_b_customers REFERENCES customers (id) ON DELETE CASCADE,
    weight DOUBLE PRECISION NOT NULL,
    probability DOUBLE PRECISION NOT NULL,
    reasons JSONB NOT NULL DEFAULT '[]',
    status VARCHAR(20) NOT NULL DEFAULT 'open'
        CONSTRAINT ck_duplicate_pairs_status CHECK (status IN ('open', 'dismissed', 'merged')),
    group_id BIGINT
        CONSTRAINT fk_duplicate_pairs_group_id_duplicate_groups
        REFERENCES duplicate_groups (id) ON DELETE SET NULL,
    first_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_at TIMESTAMPTZ,
    decided_by VARCHAR(200),
    CONSTRAINT pk_duplicate_pairs PRIMARY KEY (customer_a, customer_b),
    CONSTRAINT ck_duplicate_pairs_ordered CHECK (customer_a < customer_b)
);
CREATE INDEX ix_duplicate_pairs_customer_b ON duplicate_pairs (customer_b);
CREATE INDEX ix_duplicate_pairs_group_id ON duplicate_pairs (group_id) WHERE group_id IS NOT NULL;

CREATE TABLE merges (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    survivor_id UUID NOT NULL
        CONSTRAINT fk_merges_survivor_id_customers REFERENCES customers (id) ON DELETE RESTRICT,
    duplicate_ids UUID[] NOT NULL CONSTRAINT ck_merges_duplicates CHECK (cardinality(duplicate_ids) >= 1),
    status VARCHAR(20) NOT NULL DEFAULT 'applied'
        CONSTRAINT ck_merges_status CHECK (status IN ('applied', 'undone')),
    customers_before JSONB NOT NULL,
    customers_after JSONB NOT NULL,
    filled_fields JSONB NOT NULL DEFAULT '{}',
    merged_by VARCHAR(200) NOT NULL,
    merged_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    undone_by VARCHAR(200),
    undone_at TIMESTAMPTZ,
    CONSTRAINT ck_merges_undone_has_time CHECK ((status = 'undone') = (undone_at IS NOT NULL))
);
COMMENT ON TABLE merges IS
    'Every merge: the customers as they were before and after, and the fields filled on the survivor.';
CREATE INDEX ix_merges_survivor_id ON merges (survivor_id, merged_at);
CREATE INDEX ix_merges_duplicate_ids ON merges USING gin (duplicate_ids);

CREATE TABLE merge_moves (
    merge_id UUID NOT NULL
        CONSTRAINT fk_merge_moves_merge_id_merges REFERENCES merges (id) ON DELETE RESTRICT,
    table_name VARCHAR(63) NOT NULL
        CONSTRAINT ck_merge_moves_table_name CHECK (table_name IN
            ('service_tickets', 'equipment', 'customer_contacts', 'customer_legacy_ids')),
    row_key TEXT NOT NULL,
    from_customer_id UUID NOT NULL,
    to_customer_id UUID NOT NULL,
    CONSTRAINT pk_merge_moves PRIMARY KEY (merge_id, table_name, row_key)
);
COMMENT ON TABLE merge_moves IS 'Every row a merge re-pointed, and from which customer.';
"""

INDEXES = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_email_lower ON customers (lower(email))"
    " WHERE email IS NOT NULL",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_gstin ON customers (gstin)"
    " WHERE gstin IS NOT NULL",
)

DOWNGRADE = """
DROP TABLE merge_moves;
DROP TABLE merges;
DROP TABLE duplicate_pairs;
DROP TABLE duplicate_groups;
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    with op.get_context().autocommit_block():
        for statement in INDEXES:
            op.execute(statement)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_customers_gstin")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_customers_email_lower")
    op.execute(DOWNGRADE)
