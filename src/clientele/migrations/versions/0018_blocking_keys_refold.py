"""Blocking keys re-keyed under the name fold of revision 0012 (issue 16).

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-04

Revision 0013 keyed the existing customers with the name fold of its time; revision 0012,
later in the chain, changed the fold ("ks" reads x, Indian-script titles and words read as
English). A database upgraded through both keeps the old-fold keys of every customer not
renamed since, so the online duplicate check of "Saxena" missed a stored "Saksena" (keys
`city|saksena`, looked up as `city|saxena`). Fresh installs had no customers to key yet.

Upgrade: along the primary key in committed batches of 20,000 (revision 0013's loop), each
batch one statement that computes the keys of its customers with the current
`clientele_blocking_keys`, deletes the stored keys not among them and inserts the missing
ones. No DDL and no lock on `customers`: only the stale key rows are locked, a statement's
duration. A customer renamed while its batch runs keeps the keys its trigger wrote and may
gain its old name's keys, which only add a candidate that scoring rejects (as in 0013).
Running it again writes only what still differs, so a batch stopped by the migration's
`lock_timeout` (a key row held by a long concurrent write) is retried by upgrading again.
A batch took 4-5 s at load 7 (docs/performance.md), far below the 5 min statement timeout.
Downgrade: nothing to undo (the keys are what the functions of revision 0012 compute; its
own downgrade restores the old fold for new writes only).
"""

import importlib

from alembic import op
from sqlalchemy import text

revision = "0018"
down_revision = "0012"
branch_labels = None
depends_on = None

# Revision 0013's batches along the customers' primary key (`_backfill`, `NEXT_BATCH`).
_KEYS_0013 = importlib.import_module("clientele.migrations.versions.0013_blocking_keys")

# Disjoint writes: a stored key is deleted only when it is not wanted, a wanted key inserted
# only when missing (ON CONFLICT: a trigger may have written it meanwhile).
REKEY_BATCH = text(
    """
    WITH wanted AS MATERIALIZED (
        SELECT DISTINCT k AS key, c.id AS customer_id
        FROM customers c, unnest(clientele_blocking_keys(c.name, c.city)) AS k
        WHERE c.id = ANY (CAST(:ids AS uuid[])) AND c.merged_into_id IS NULL),
    stale AS (
        DELETE FROM customer_blocking_keys b
        WHERE b.customer_id = ANY (CAST(:ids AS uuid[]))
          AND NOT EXISTS (SELECT FROM wanted w
                          WHERE w.key = b.key AND w.customer_id = b.customer_id))
    INSERT INTO customer_blocking_keys (key, customer_id)
    SELECT w.key, w.customer_id FROM wanted w
    WHERE NOT EXISTS (SELECT FROM customer_blocking_keys b
                      WHERE b.key = w.key AND b.customer_id = w.customer_id)
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
    """
)


def upgrade() -> None:
    with op.get_context().autocommit_block():
        _KEYS_0013._backfill(_KEYS_0013.NEXT_BATCH, REKEY_BATCH)


def downgrade() -> None:
    """Nothing to undo: the keys are those the current functions compute."""
