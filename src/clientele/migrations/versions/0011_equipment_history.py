"""Equipment edits: a version for optimistic concurrency and a history of every change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

* `equipment.version` (bumped by every update through the API) is the unit's `ETag`, so
  `PATCH /equipment/{id}` with `If-Match` cannot overwrite a change its sender never saw.
  Adding a column with a constant default rewrites nothing (PostgreSQL 11+).
* `equipment_versions`: every insert, update and delete of a unit (who, when, the whole row and
  the fields that changed), written by a trigger, so an assignment to a customer, a return to
  stock or an edit in psql is recorded alike. Append-only (the guard of revision 0002); rows
  that exist before this revision get a `snapshot` version.
"""

from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE equipment ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE equipment ADD CONSTRAINT ck_equipment_version_positive CHECK (version > 0) NOT VALID;
ALTER TABLE equipment VALIDATE CONSTRAINT ck_equipment_version_positive;

CREATE TABLE equipment_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    equipment_id UUID NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    operation VARCHAR(20) NOT NULL
        CONSTRAINT ck_equipment_versions_operation CHECK (operation IN
            ('insert', 'update', 'delete', 'snapshot')),
    source VARCHAR(10) NOT NULL
        CONSTRAINT ck_equipment_versions_source CHECK (source IN ('api', 'sql', 'legacy', 'merge')),
    actor TEXT NOT NULL,
    row_data JSONB NOT NULL,
    changed_fields TEXT[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE equipment_versions IS
    'Every stored state of a unit of equipment, written by a trigger; append-only.';
CREATE INDEX ix_equipment_versions_equipment_id ON equipment_versions (equipment_id, changed_at);

CREATE FUNCTION clientele_equipment_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    after_row jsonb;
    before_row jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        after_row := to_jsonb(OLD);
        before_row := after_row;
    ELSE
        after_row := to_jsonb(NEW);
        IF TG_OP = 'UPDATE' THEN
            before_row := to_jsonb(OLD);
        END IF;
    END IF;
    INSERT INTO equipment_versions (equipment_id, operation, source, actor, row_data, changed_fields)
    VALUES ((after_row->>'id')::uuid, lower(TG_OP), clientele_history_source(),
            clientele_history_actor(), after_row,
            clientele_history_changed(before_row, after_row, '{id,created_at,updated_at,version}'));
    RETURN NULL;
END
$$;

CREATE TRIGGER equipment_versions_append_only
    BEFORE UPDATE OR DELETE ON equipment_versions
    FOR EACH ROW EXECUTE FUNCTION clientele_history_guard();
CREATE TRIGGER equipment_versions_no_truncate
    BEFORE TRUNCATE ON equipment_versions
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_history_guard();
CREATE TRIGGER equipment_history_insert_delete
    AFTER INSERT OR DELETE ON equipment
    FOR EACH ROW EXECUTE FUNCTION clientele_equipment_history();
CREATE TRIGGER equipment_history_update
    AFTER UPDATE ON equipment
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION clientele_equipment_history();

INSERT INTO equipment_versions (equipment_id, changed_at, operation, source, actor, row_data)
SELECT e.id, least(e.updated_at, clock_timestamp()), 'snapshot', 'sql', 'migration-0011', to_jsonb(e)
  FROM equipment AS e;
"""

DOWNGRADE = """
DROP TRIGGER equipment_history_update ON equipment;
DROP TRIGGER equipment_history_insert_delete ON equipment;
DROP TABLE equipment_versions;
DROP FUNCTION clientele_equipment_history();
ALTER TABLE equipment DROP CONSTRAINT ck_equipment_version_positive;
ALTER TABLE equipment DROP COLUMN version;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
