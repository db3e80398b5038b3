"""Legacy migration support: the review queue, the archive of dropped legacy values, phone-less customers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Fresh installs get these too (empty), so a migrated database and a fresh one have one schema
(docs/legacy-migration.md):

* `legacy_review_items`: what the legacy migration could not decide on its own (a phone shared
  by two customers, one legacy id under several names, a customer without any valid phone, a
  ticket naming nobody, ...), with the customers concerned and the evidence, for a person to
  decide; the duplicates queue reads it. `dedupe_key` makes re-running the migration idempotent.
* `legacy_archive`: the legacy columns of every row as they were when `clientele legacy
  finalize` dropped or mapped them (the typed customer name and phone of every ticket, the
  equipment contact, an out-of-vocabulary ticket status), so nothing typed is lost.
* `customers.primary_phone` may be NULL, but only for a customer that is not active: the legacy
  data holds customers for whom no valid phone was ever typed (`N/A`, `0000000000`). Inventing a
  number would be wrong, so they are stored inactive, without a phone, and listed for review.
  An active customer still needs an E.164 phone (the CHECK), and the API still requires one.
  Downgrading refuses while such customers exist (SET NOT NULL fails): decide them first.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE legacy_review_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind VARCHAR(40) NOT NULL CONSTRAINT ck_legacy_review_items_kind CHECK (kind IN (
        'shared_phone', 'no_phone', 'id_several_names', 'ids_merged', 'invalid_phone',
        'ticket_without_customer', 'ambiguous_ticket', 'no_name', 'equipment_ambiguous',
        'possible_duplicate')),
    status VARCHAR(20) NOT NULL DEFAULT 'open'
        CONSTRAINT ck_legacy_review_items_status CHECK (status IN ('open', 'resolved', 'dismissed')),
    customer_ids UUID[] NOT NULL DEFAULT '{}',
    subject_table VARCHAR(63),
    subject_id UUID,
    summary TEXT NOT NULL,
    resolution TEXT NOT NULL,
    evidence JSONB NOT NULL DEFAULT '{}',
    dedupe_key TEXT NOT NULL CONSTRAINT uq_legacy_review_items_dedupe_key UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at TIMESTAMPTZ,
    resolved_by VARCHAR(200)
);
COMMENT ON TABLE legacy_review_items IS
    'What the legacy migration could not resolve on its own, for a person to decide.';
CREATE INDEX ix_legacy_review_items_status_kind ON legacy_review_items (status, kind, id);
CREATE INDEX ix_legacy_review_items_customer_ids ON legacy_review_items USING gin (customer_ids);

CREATE TABLE legacy_archive (
    table_name VARCHAR(63) NOT NULL,
    row_id UUID NOT NULL,
    data JSONB NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT pk_legacy_archive PRIMARY KEY (table_name, row_id)
);
COMMENT ON TABLE legacy_archive IS
    'Legacy column values as they were when the legacy migration finalized (dropped or mapped).';

ALTER TABLE customers ALTER COLUMN primary_phone DROP NOT NULL;
ALTER TABLE customers ADD CONSTRAINT ck_customers_primary_phone_required
    CHECK (primary_phone IS NOT NULL OR status <> 'active') NOT VALID;
ALTER TABLE customers VALIDATE CONSTRAINT ck_customers_primary_phone_required;
"""

DOWNGRADE = """
ALTER TABLE customers ALTER COLUMN primary_phone SET NOT NULL;
ALTER TABLE customers DROP CONSTRAINT ck_customers_primary_phone_required;
DROP TABLE legacy_archive;
DROP TABLE legacy_review_items;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
