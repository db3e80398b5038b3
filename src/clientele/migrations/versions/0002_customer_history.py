"""Customer history: every version of a customer (and of its contacts), written by triggers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Design (docs/history.md has the reasoning and the measurements):

* `customer_versions` holds one row per stored state of a customer: the full row as JSONB, the
  time range it was the current state (`valid`, `[from, to)`; the current version is open-ended),
  the operation, the source (`api`, `sql`, `legacy`, `merge`) and the actor. An exclusion
  constraint on `(customer_id, valid)` (GiST, needs btree_gist for the uuid) proves versions of one
  customer never overlap, and is the index the as-of read uses.
* The range boundary is `clock_timestamp()`, not `now()`: `now()` is frozen for the whole
  transaction, so two writes in one transaction would get an empty range. Every write keeps its
  own version; the boundary is bumped by 1 us when the clock would not move forward, so ranges
  are never empty, never overlap and never leave a gap.
* Writers of one customer are serialized by the row lock their UPDATE takes on `customers`; the
  AFTER trigger runs under that lock, so closing the open version and opening the next one is
  safe under concurrency (READ COMMITTED re-reads the committed open version).
* Actor: `clientele.actor` (set per transaction by the application), else `sql:<session user>`.
  Source: `clientele.source` when set (merge, legacy), else `api` with an actor, `sql` without.
* History is append-only: UPDATE, DELETE, TRUNCATE are revoked from PUBLIC, and because the
  owner role keeps every privilege, a guard trigger refuses any change except moving a version's
  end earlier (closing the open version, splicing in a backdated legacy version) even for it.
  The owner can still disable the triggers or drop the table; nothing in SQL stops an owner.
* Legacy history: `clientele_history_backfill(...)` inserts a backdated version before the first
  version the system recorded itself.

On upgrade the triggers are created first: that takes a lock on `customers` that blocks writers
until this transaction commits, so the snapshot of existing rows taken next misses no write.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE_BEFORE_TRIGGERS = r"""
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE customer_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id UUID NOT NULL,
    valid TSTZRANGE NOT NULL,
    operation VARCHAR(20) NOT NULL
        CONSTRAINT ck_customer_versions_operation CHECK (operation IN
            ('insert', 'update', 'block', 'activate', 'deactivate', 'merge', 'unmerge', 'delete', 'snapshot')),
    source VARCHAR(10) NOT NULL
        CONSTRAINT ck_customer_versions_source CHECK (source IN ('api', 'sql', 'legacy', 'merge')),
    actor TEXT NOT NULL,
    row_data JSONB NOT NULL,
    changed_fields TEXT[] NOT NULL DEFAULT '{}',
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT ck_customer_versions_valid CHECK (
        NOT isempty(valid) AND NOT lower_inf(valid) AND lower_inc(valid) AND NOT upper_inc(valid)),
    CONSTRAINT ex_customer_versions_customer_id_valid
        EXCLUDE USING gist (customer_id WITH =, valid WITH &&)
);
COMMENT ON TABLE customer_versions IS
    'Every stored state of a customer, written by triggers; append-only (see docs/history.md).';
COMMENT ON COLUMN customer_versions.valid IS
    '[from, to): when this was the current state; the current version is open-ended.';
COMMENT ON COLUMN customer_versions.changed_fields IS
    'Fields this write changed compared with the version it replaced, when it was recorded.';

CREATE TABLE customer_contact_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id UUID NOT NULL,
    customer_id UUID NOT NULL,
    valid TSTZRANGE NOT NULL,
    operation VARCHAR(20) NOT NULL
        CONSTRAINT ck_customer_contact_versions_operation CHECK (operation IN
            ('insert', 'update', 'delete', 'snapshot')),
    source VARCHAR(10) NOT NULL
        CONSTRAINT ck_customer_contact_versions_source CHECK (source IN ('api', 'sql', 'legacy', 'merge')),
    actor TEXT NOT NULL,
    row_data JSONB NOT NULL,
    changed_fields TEXT[] NOT NULL DEFAULT '{}',
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT ck_customer_contact_versions_valid CHECK (
        NOT isempty(valid) AND NOT lower_inf(valid) AND lower_inc(valid) AND NOT upper_inc(valid)),
    CONSTRAINT ex_customer_contact_versions_contact_id_valid
        EXCLUDE USING gist (contact_id WITH =, valid WITH &&)
);
CREATE INDEX ix_customer_contact_versions_customer_id ON customer_contact_versions (customer_id);

REVOKE UPDATE, DELETE, TRUNCATE ON customer_versions, customer_contact_versions FROM PUBLIC;

CREATE FUNCTION clientele_history_actor() RETURNS text
LANGUAGE sql STABLE AS $$
    -- A transaction-local setting reads as '' (not NULL) once its transaction has ended.
    SELECT coalesce(nullif(current_setting('clientele.actor', true), ''), 'sql:' || session_user)
$$;

CREATE FUNCTION clientele_history_source() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        nullif(current_setting('clientele.source', true), ''),
        CASE WHEN nullif(current_setting('clientele.actor', true), '') IS NULL THEN 'sql' ELSE 'api' END)
$$;

CREATE FUNCTION clientele_history_changed(before jsonb, after jsonb, ignored text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(a.key ORDER BY a.key), '{}')
    FROM jsonb_each(after) AS a
    WHERE a.key <> ALL (ignored)
      AND CASE WHEN before IS NULL THEN a.value <> 'null'::jsonb
               ELSE a.value IS DISTINCT FROM before -> a.key END
$$;

-- Bookkeeping columns change on every write; they are not "changed fields".
CREATE FUNCTION clientele_customer_bookkeeping() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT '{id,version,created_at,updated_at,created_by,updated_by}'::text[]
$$;
"""


def _history_trigger(name: str, variables: tuple[str, ...], body: str) -> str:
    """A history trigger function. Both share this frame (PL/pgSQL run as the owner, with a
    pinned search_path); only their variables and body differ."""
    declarations = "".join(f"    {variable};\n" for variable in variables)
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger\n"
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$\n"
        f"DECLARE\n{declarations}BEGIN{body}END\n$$;\n"
    )


CUSTOMERS_HISTORY = _history_trigger(
    "clientele_customers_history",
    ("subject uuid", "boundary timestamptz", "kind text", "after_row jsonb", "before_row jsonb"),
    r"""
    IF TG_OP = 'DELETE' THEN
        subject := OLD.id;
    ELSE
        subject := NEW.id;
    END IF;
    -- Writers of one customer hold its row lock here, so this closes the one open version.
    -- The bump keeps ranges non-empty when two writes fall in one clock tick or the clock
    -- steps back.
    UPDATE customer_versions
       SET valid = tstzrange(lower(valid), greatest(clock_timestamp(), lower(valid) + interval '1 microsecond'))
     WHERE customer_id = subject AND upper_inf(valid)
    RETURNING upper(valid) INTO boundary;
    IF boundary IS NULL THEN
        boundary := clock_timestamp();  -- the first version (or history was off meanwhile)
    END IF;

    IF TG_OP = 'INSERT' THEN
        kind := 'insert';
        after_row := to_jsonb(NEW);
    ELSIF TG_OP = 'DELETE' THEN
        kind := 'delete';
        after_row := to_jsonb(OLD);
        before_row := after_row;
    ELSE
        after_row := to_jsonb(NEW);
        before_row := to_jsonb(OLD);
        kind := CASE
            WHEN NEW.merged_into_id IS NOT NULL AND NEW.merged_into_id IS DISTINCT FROM OLD.merged_into_id
                THEN 'merge'
            WHEN NEW.merged_into_id IS NULL AND OLD.merged_into_id IS NOT NULL THEN 'unmerge'
            WHEN NEW.status = OLD.status THEN 'update'
            WHEN NEW.status = 'blocked' THEN 'block'
            WHEN NEW.status = 'active' THEN 'activate'
            ELSE 'deactivate'
        END;
    END IF;

    INSERT INTO customer_versions (customer_id, valid, operation, source, actor, row_data, changed_fields)
    VALUES (subject, tstzrange(boundary, NULL), kind, clientele_history_source(),
            clientele_history_actor(), after_row,
            clientele_history_changed(before_row, after_row, clientele_customer_bookkeeping()));
    RETURN NULL;
""",
)

CONTACTS_HISTORY = _history_trigger(
    "clientele_customer_contacts_history",
    (
        "subject uuid",
        "owner_id uuid",
        "boundary timestamptz",
        "after_row jsonb",
        "before_row jsonb",
    ),
    r"""
    IF TG_OP = 'DELETE' THEN
        subject := OLD.id;
        owner_id := OLD.customer_id;
        after_row := to_jsonb(OLD);
        before_row := after_row;
    ELSE
        subject := NEW.id;
        owner_id := NEW.customer_id;
        after_row := to_jsonb(NEW);
        IF TG_OP = 'UPDATE' THEN
            before_row := to_jsonb(OLD);
        END IF;
    END IF;
    UPDATE customer_contact_versions
       SET valid = tstzrange(lower(valid), greatest(clock_timestamp(), lower(valid) + interval '1 microsecond'))
     WHERE contact_id = subject AND upper_inf(valid)
    RETURNING upper(valid) INTO boundary;
    IF boundary IS NULL THEN
        boundary := clock_timestamp();
    END IF;
    INSERT INTO customer_contact_versions
        (contact_id, customer_id, valid, operation, source, actor, row_data, changed_fields)
    VALUES (subject, owner_id, tstzrange(boundary, NULL), lower(TG_OP), clientele_history_source(),
            clientele_history_actor(), after_row,
            clientele_history_changed(before_row, after_row, '{id,created_at,updated_at,created_by}'));
    RETURN NULL;
""",
)

UPGRADE_AFTER_TRIGGERS = r"""-- Append-only, for the owner too: a version's content never changes; its end may only move
-- earlier (closing the open version, or splicing a backdated legacy version in before it).
CREATE FUNCTION clientele_history_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND to_jsonb(NEW) - 'valid' = to_jsonb(OLD) - 'valid'
       AND lower(NEW.valid) = lower(OLD.valid)
       AND NOT upper_inf(NEW.valid)
       AND (upper_inf(OLD.valid) OR upper(NEW.valid) < upper(OLD.valid))
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'history rows are written by triggers and never changed or removed';
END
$$;

-- Statements inside a trigger (depth > 0: the history triggers closing a version) are not
-- checked again; that keeps the guard off the write path. Direct statements always are.
CREATE TRIGGER customer_versions_append_only
    BEFORE UPDATE OR DELETE ON customer_versions
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION clientele_history_guard();
CREATE TRIGGER customer_versions_no_truncate
    BEFORE TRUNCATE ON customer_versions
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_history_guard();
CREATE TRIGGER customer_contact_versions_append_only
    BEFORE UPDATE OR DELETE ON customer_contact_versions
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION clientele_history_guard();
CREATE TRIGGER customer_contact_versions_no_truncate
    BEFORE TRUNCATE ON customer_contact_versions
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_history_guard();

-- A no-op UPDATE (every column unchanged) records nothing.
CREATE TRIGGER customers_history_insert_delete
    AFTER INSERT OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION clientele_customers_history();
CREATE TRIGGER customers_history_update
    AFTER UPDATE ON customers
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION clientele_customers_history();
CREATE TRIGGER customer_contacts_history_insert_delete
    AFTER INSERT OR DELETE ON customer_contacts
    FOR EACH ROW EXECUTE FUNCTION clientele_customer_contacts_history();
CREATE TRIGGER customer_contacts_history_update
    AFTER UPDATE ON customer_contacts
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION clientele_customer_contacts_history();

-- Legacy history (the T1.2 migration): a backdated version before the first version this system
-- recorded. `changes` are the fields that differed from the next version (its row is the base).
CREATE FUNCTION clientele_history_backfill(
    p_customer_id uuid,
    p_valid_from timestamptz,
    p_changes jsonb,
    p_actor text DEFAULT 'legacy',
    p_operation text DEFAULT 'update'
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    first_recorded timestamptz;
    next_v customer_versions%ROWTYPE;
    prev_v customer_versions%ROWTYPE;
    after_row jsonb;
    new_id bigint;
BEGIN
    IF p_valid_from IS NULL OR p_changes IS NULL OR jsonb_typeof(p_changes) <> 'object' THEN
        RAISE EXCEPTION 'clientele_history_backfill needs a time and a JSON object of fields'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The same lock the trigger's writers hold: no version of this customer moves meanwhile.
    PERFORM 1 FROM customers WHERE id = p_customer_id FOR UPDATE;
    SELECT min(lower(valid)) INTO first_recorded
      FROM customer_versions WHERE customer_id = p_customer_id AND source <> 'legacy';
    IF first_recorded IS NULL THEN
        RAISE EXCEPTION 'customer % has no recorded history to backfill before', p_customer_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF p_valid_from >= first_recorded THEN
        RAISE EXCEPTION 'legacy history must precede the first recorded version (%)', first_recorded
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO prev_v FROM customer_versions
     WHERE customer_id = p_customer_id AND lower(valid) <= p_valid_from
     ORDER BY lower(valid) DESC LIMIT 1 FOR UPDATE;
    IF FOUND AND lower(prev_v.valid) = p_valid_from THEN
        RAISE EXCEPTION 'customer % already has a version starting at %', p_customer_id, p_valid_from
            USING ERRCODE = 'unique_violation';
    END IF;
    SELECT * INTO next_v FROM customer_versions
     WHERE customer_id = p_customer_id AND lower(valid) > p_valid_from
     ORDER BY lower(valid) LIMIT 1;
    after_row := next_v.row_data || p_changes || jsonb_build_object(
        'id', p_customer_id, 'updated_at', p_valid_from, 'updated_by', p_actor);
    IF prev_v.id IS NOT NULL THEN
        UPDATE customer_versions SET valid = tstzrange(lower(prev_v.valid), p_valid_from)
         WHERE id = prev_v.id;
    END IF;
    INSERT INTO customer_versions (customer_id, valid, operation, source, actor, row_data, changed_fields)
    VALUES (p_customer_id, tstzrange(p_valid_from, lower(next_v.valid)), p_operation, 'legacy',
            p_actor, after_row,
            clientele_history_changed(prev_v.row_data, after_row, clientele_customer_bookkeeping()))
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

-- Rows that exist before history does: their current state, assumed since they were created.
INSERT INTO customer_versions (customer_id, valid, operation, source, actor, row_data)
SELECT c.id, tstzrange(least(c.created_at, clock_timestamp()), NULL), 'snapshot', 'sql',
       'migration-0002', to_jsonb(c)
  FROM customers AS c;
INSERT INTO customer_contact_versions (contact_id, customer_id, valid, operation, source, actor, row_data)
SELECT c.id, c.customer_id, tstzrange(least(c.created_at, clock_timestamp()), NULL), 'snapshot', 'sql',
       'migration-0002', to_jsonb(c)
  FROM customer_contacts AS c;
"""

UPGRADE = "\n".join(
    (UPGRADE_BEFORE_TRIGGERS, CUSTOMERS_HISTORY, CONTACTS_HISTORY, UPGRADE_AFTER_TRIGGERS)
)


DOWNGRADE = """
DROP TRIGGER customer_contacts_history_update ON customer_contacts;
DROP TRIGGER customer_contacts_history_insert_delete ON customer_contacts;
DROP TRIGGER customers_history_update ON customers;
DROP TRIGGER customers_history_insert_delete ON customers;
DROP FUNCTION clientele_history_backfill(uuid, timestamptz, jsonb, text, text);
DROP TABLE customer_contact_versions;
DROP TABLE customer_versions;
DROP FUNCTION clientele_history_guard();
DROP FUNCTION clientele_customer_contacts_history();
DROP FUNCTION clientele_customers_history();
DROP FUNCTION clientele_customer_bookkeeping();
DROP FUNCTION clientele_history_changed(jsonb, jsonb, text[]);
DROP FUNCTION clientele_history_source();
DROP FUNCTION clientele_history_actor();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    # btree_gist stays, like pg_trgm in 0001: other objects on this server may use it.
    op.execute(DOWNGRADE)
