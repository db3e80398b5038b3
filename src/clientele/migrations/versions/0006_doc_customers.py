"""The design doc's customers table, column for column (T1.2; docs/decisions.md has the mapping).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

What changes:

* Renames (metadata only): `email` -> `primary_email`, `pincode` -> `postal_code`,
  `gstin` -> `tax_id`; widened in place (no rewrite): `customer_type` and `status` to
  VARCHAR(50), `tax_id` to 50, `postal_code` to 20, `created_by`/`updated_by` to 255.
* New columns: `registration_number`, `website`, `preferred_language` (DEFAULT 'en'),
  `preferred_contact_method` (phone, email, whatsapp), `notes`.
* Columns whose type or values change are swapped, never rewritten under a lock: a new column
  is added beside the old one, kept in step by a trigger while committed batches fill it, then
  the old column is dropped and the new one renamed in one short transaction:
  `tier` (vip / premium / standard, nullable, no default; platinum -> vip, gold and silver ->
  premium, standard stays), `country` (VARCHAR(100) DEFAULT 'India'; 'IN' -> 'India', other
  codes kept as typed), `tags` (JSONB DEFAULT '[]'), `display_name` (VARCHAR(255); a longer
  value is kept whole in `notes`). Only rows whose value differs from the new column's default
  are touched by the batches.
* CHECKs on the altered columns are dropped before the ALTER and added back NOT VALID, then
  validated in their own transactions (VALIDATE takes no lock that blocks writers); the doc's
  constraint names `customer_type_check` and `customer_status_check` are used.
* Indexes the doc asks for and the table lacked, built CONCURRENTLY: `(city, state)`,
  `(primary_email)`.
* History keeps the stored images as they were written: `clientele_customer_image(jsonb)` reads
  an image of any age in today's names and values (the as-of read and the history diff use it).
* The history trigger skips rows while `clientele.history_skip` is 'schema-upgrade' and the
  session's user owns the table (an owner can disable the trigger anyway): the batches rewrite
  representation, not the customer, so they are not versions.

Deploy order: this revision runs while the previous release serves (its writes keep the new
columns in step), except for the final swap: between the swap's commit and the new release's
start the old release fails on renamed columns, so restart onto the new release right after
`clientele db upgrade` (docs/operations.md).
"""

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 5000

# Phase 1: additive only; the previous release keeps working.
EXPAND = """
ALTER TABLE customers
    ADD COLUMN registration_number VARCHAR(100),
    ADD COLUMN website VARCHAR(255),
    ADD COLUMN preferred_language VARCHAR(20) DEFAULT 'en',
    ADD COLUMN preferred_contact_method VARCHAR(50),
    ADD COLUMN notes TEXT,
    ADD COLUMN display_name_v6 VARCHAR(255),
    ADD COLUMN country_v6 VARCHAR(100) DEFAULT 'India',
    ADD COLUMN tier_v6 VARCHAR(50) DEFAULT 'standard',
    ADD COLUMN tags_v6 JSONB DEFAULT '[]'::jsonb,
    ADD COLUMN status_v6 VARCHAR(50) NOT NULL DEFAULT 'active';
-- Existing rows keep 'standard' (the old default); new rows get what the sync trigger maps.
ALTER TABLE customers ALTER COLUMN tier_v6 DROP DEFAULT;
ALTER TABLE customers
    ADD CONSTRAINT ck_customers_preferred_contact_method
        CHECK (preferred_contact_method IN ('phone', 'email', 'whatsapp')) NOT VALID,
    ADD CONSTRAINT ck_customers_preferred_language
        CHECK (preferred_language ~ '^[a-z]{2,3}$') NOT VALID,
    ADD CONSTRAINT ck_customers_tier_v6 CHECK (tier_v6 IN ('vip', 'premium', 'standard')) NOT VALID,
    ADD CONSTRAINT customer_status_check
        CHECK (status_v6 IN ('active', 'inactive', 'blocked')) NOT VALID,
    ADD CONSTRAINT ck_customers_primary_phone_required_v6
        CHECK (primary_phone IS NOT NULL OR status_v6 <> 'active') NOT VALID,
    ADD CONSTRAINT ck_customers_blocked_has_reason_v6
        CHECK (status_v6 <> 'blocked' OR blocked_reason IS NOT NULL) NOT VALID;

CREATE FUNCTION clientele_customers_v6_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name_v6 := left(NEW.display_name, 255);
    IF length(NEW.display_name) > 255 THEN
        NEW.notes := concat_ws(E'\\n', NEW.notes, 'Display name: ' || NEW.display_name);
    END IF;
    NEW.country_v6 := CASE WHEN NEW.country = 'IN' THEN 'India' ELSE NEW.country END;
    NEW.tier_v6 := CASE NEW.tier WHEN 'platinum' THEN 'vip' WHEN 'gold' THEN 'premium'
                                 WHEN 'silver' THEN 'premium' ELSE NEW.tier END;
    NEW.tags_v6 := to_jsonb(NEW.tags);
    NEW.status_v6 := NEW.status;
    RETURN NEW;
END
$$;
CREATE TRIGGER customers_v6_sync BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION clientele_customers_v6_sync();

CREATE OR REPLACE FUNCTION clientele_history_skipped(relation oid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT current_setting('clientele.history_skip', true) = 'schema-upgrade'
       AND pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = relation), 'MEMBER')
$$;

-- Today's names and values for a customer image of any age (history, merge records).
CREATE FUNCTION clientele_customer_image(image jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN image ? 'email' OR image ? 'pincode' OR image ? 'gstin'
                  OR image->>'tier' IN ('platinum', 'gold', 'silver') OR image->>'country' = 'IN'
    THEN (image - '{email,pincode,gstin}'::text[])
         || jsonb_build_object(
                'primary_email', image->'email',
                'postal_code', image->'pincode',
                'tax_id', image->'gstin',
                'tier', CASE image->>'tier' WHEN 'platinum' THEN 'vip' WHEN 'gold' THEN 'premium'
                                            WHEN 'silver' THEN 'premium' ELSE image->>'tier' END,
                'country', CASE WHEN image->>'country' = 'IN' THEN 'India' ELSE image->>'country' END)
    ELSE image END
$$;

-- Today's name of a customer field recorded under an older one (history's changed fields).
CREATE FUNCTION clientele_customer_field(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE name WHEN 'email' THEN 'primary_email' WHEN 'pincode' THEN 'postal_code'
                     WHEN 'gstin' THEN 'tax_id' ELSE name END
$$;
"""

# The history trigger of revision 0002, with the owner-only skip for representation rewrites.
HISTORY_SKIP = (
    "BEGIN\n    IF TG_OP = 'DELETE' THEN\n        subject := OLD.id;",
    "BEGIN\n    IF clientele_history_skipped(TG_RELID) THEN\n        RETURN NULL;\n    END IF;\n"
    "    IF TG_OP = 'DELETE' THEN\n        subject := OLD.id;",
)

NEXT_BATCH = text(
    "SELECT id FROM customers WHERE id > CAST(:last AS uuid) ORDER BY id LIMIT :batch"
)
# Only rows whose new columns would differ from their defaults; the sync trigger fills them.
FILL_BATCH = text(
    "UPDATE customers SET tier = tier WHERE id = ANY(:ids) AND (country <> 'IN'"
    " OR tier <> 'standard' OR tags <> '{}' OR display_name IS NOT NULL OR status <> 'active')"
)

# Phase 3: the short swap. Every statement is catalog-only.
SWAP = """
DROP TRIGGER customers_v6_sync ON customers;
DROP FUNCTION clientele_customers_v6_sync();
-- Indexes whose key, INCLUDE or predicate names a column whose type changes would be rebuilt
-- under this transaction's lock: their stand-ins were built beforehand, they are built again
-- CONCURRENTLY afterwards.
DROP INDEX ix_customers_search_name;
DROP INDEX ix_customers_gstin;
ALTER TABLE customers
    DROP CONSTRAINT ck_customers_customer_type,
    DROP CONSTRAINT ck_customers_pincode,
    DROP CONSTRAINT ck_customers_gstin,
    DROP COLUMN display_name,
    DROP COLUMN country,
    DROP COLUMN tier,
    DROP COLUMN tags,
    DROP COLUMN status;
ALTER TABLE customers RENAME COLUMN status_v6 TO status;
ALTER TABLE customers RENAME CONSTRAINT ck_customers_primary_phone_required_v6
    TO ck_customers_primary_phone_required;
ALTER TABLE customers RENAME CONSTRAINT ck_customers_blocked_has_reason_v6
    TO ck_customers_blocked_has_reason;
ALTER INDEX uq_customers_primary_phone_active_v6 RENAME TO uq_customers_primary_phone_active;
ALTER INDEX ix_customers_status_v6 RENAME TO ix_customers_status;
ALTER TABLE customers RENAME COLUMN display_name_v6 TO display_name;
ALTER TABLE customers RENAME COLUMN country_v6 TO country;
ALTER TABLE customers RENAME COLUMN tier_v6 TO tier;
ALTER TABLE customers RENAME COLUMN tags_v6 TO tags;
ALTER TABLE customers RENAME COLUMN email TO primary_email;
ALTER TABLE customers RENAME COLUMN pincode TO postal_code;
ALTER TABLE customers RENAME COLUMN gstin TO tax_id;
ALTER TABLE customers RENAME CONSTRAINT ck_customers_tier_v6 TO ck_customers_tier;
ALTER TABLE customers RENAME CONSTRAINT ck_customers_email TO ck_customers_primary_email;
ALTER INDEX ix_customers_tags_v6 RENAME TO ix_customers_tags;
ALTER INDEX ix_customers_email_lower RENAME TO ix_customers_primary_email_lower;
ALTER TABLE customers
    ALTER COLUMN customer_type TYPE VARCHAR(50),
    ALTER COLUMN postal_code TYPE VARCHAR(20),
    ALTER COLUMN tax_id TYPE VARCHAR(50),
    ALTER COLUMN created_by TYPE VARCHAR(255),
    ALTER COLUMN updated_by TYPE VARCHAR(255);
ALTER TABLE customers
    ADD CONSTRAINT customer_type_check CHECK (customer_type IN
        ('individual', 'hospital', 'clinic', 'lab', 'manufacturer', 'dealer')) NOT VALID,
    ADD CONSTRAINT ck_customers_postal_code
        CHECK (country IS DISTINCT FROM 'India' OR postal_code ~ '^[1-9][0-9]{5}$') NOT VALID;
"""

# Validated before the swap (on the new columns) and after it (constraints the swap re-adds).
VALIDATE_BEFORE = (
    "ck_customers_tier_v6",
    "customer_status_check",
    "ck_customers_primary_phone_required_v6",
    "ck_customers_blocked_has_reason_v6",
    "ck_customers_preferred_contact_method",
    "ck_customers_preferred_language",
)
VALIDATE_AFTER = ("customer_type_check", "ck_customers_postal_code")

# Built before the swap, on the new columns (renamed by it) or as stand-ins.
INDEXES_BEFORE = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_tags_v6 ON customers USING gin (tags_v6)",
    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_customers_primary_phone_active_v6"
    " ON customers (primary_phone) WHERE status_v6 = 'active'",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_status_v6"
    " ON customers (status_v6, created_at, id)",
)
SEARCH_INDEX = "ix_customers_search_name"
STAND_IN = "ix_customers_search_name_v6"

INDEXES_AFTER = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_tax_id ON customers (tax_id)"
    " WHERE tax_id IS NOT NULL",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_city_state ON customers (city, state)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_primary_email ON customers (primary_email)",
)

DOWNGRADE = """
DROP INDEX IF EXISTS ix_customers_city_state;
DROP INDEX IF EXISTS ix_customers_tags;
DROP INDEX IF EXISTS ix_customers_primary_email;
ALTER TABLE customers
    DROP CONSTRAINT customer_type_check,
    DROP CONSTRAINT customer_status_check,
    DROP CONSTRAINT ck_customers_postal_code,
    DROP CONSTRAINT ck_customers_tier,
    DROP CONSTRAINT ck_customers_preferred_contact_method,
    DROP CONSTRAINT ck_customers_preferred_language;
ALTER TABLE customers RENAME COLUMN primary_email TO email;
ALTER TABLE customers RENAME COLUMN postal_code TO pincode;
ALTER TABLE customers RENAME COLUMN tax_id TO gstin;
ALTER TABLE customers RENAME CONSTRAINT ck_customers_primary_email TO ck_customers_email;
ALTER INDEX ix_customers_primary_email_lower RENAME TO ix_customers_email_lower;
ALTER INDEX ix_customers_tax_id RENAME TO ix_customers_gstin;
UPDATE customers SET gstin = NULL WHERE gstin !~ '^[0-9]{2}[A-Z0-9]{13}$';
UPDATE customers SET pincode = NULL WHERE pincode !~ '^[1-9][0-9]{5}$';
ALTER TABLE customers
    ALTER COLUMN customer_type TYPE VARCHAR(20),
    ALTER COLUMN status TYPE VARCHAR(20),
    ALTER COLUMN pincode TYPE VARCHAR(10),
    ALTER COLUMN gstin TYPE VARCHAR(15),
    ALTER COLUMN created_by TYPE VARCHAR(200),
    ALTER COLUMN updated_by TYPE VARCHAR(200),
    ALTER COLUMN display_name TYPE VARCHAR(500),
    ALTER COLUMN country DROP DEFAULT,
    ALTER COLUMN country TYPE CHAR(2) USING CASE WHEN country = 'India' OR country IS NULL
        THEN 'IN' ELSE upper(left(country, 2)) END,
    ALTER COLUMN country SET DEFAULT 'IN',
    ALTER COLUMN country SET NOT NULL,
    ALTER COLUMN tier TYPE VARCHAR(20) USING CASE tier WHEN 'vip' THEN 'platinum'
        WHEN 'premium' THEN 'gold' ELSE 'standard' END,
    ALTER COLUMN tier SET DEFAULT 'standard',
    ALTER COLUMN tier SET NOT NULL,
    ALTER COLUMN tags DROP DEFAULT,
    -- No subquery is allowed here; JSON string arrays print like array literals but for brackets.
    ALTER COLUMN tags TYPE TEXT[] USING translate(coalesce(tags, '[]')::text, '[]', '{}')::text[],
    ALTER COLUMN tags SET DEFAULT '{}',
    ALTER COLUMN tags SET NOT NULL,
    DROP COLUMN registration_number,
    DROP COLUMN website,
    DROP COLUMN preferred_language,
    DROP COLUMN preferred_contact_method,
    DROP COLUMN notes;
ALTER TABLE customers
    ADD CONSTRAINT ck_customers_customer_type CHECK (customer_type IN
        ('hospital', 'clinic', 'lab', 'manufacturer', 'dealer', 'individual')),
    ADD CONSTRAINT ck_customers_status CHECK (status IN ('active', 'inactive', 'blocked')),
    ADD CONSTRAINT ck_customers_pincode CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    ADD CONSTRAINT ck_customers_gstin CHECK (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$'),
    ADD CONSTRAINT ck_customers_tier CHECK (tier IN ('standard', 'silver', 'gold', 'platinum'));
CREATE INDEX ix_customers_tags ON customers USING gin (tags);
DROP FUNCTION clientele_customer_field(text);
DROP FUNCTION clientele_customer_image(jsonb);
"""


def _history_function(*, with_skip: bool) -> str:
    """Revision 0002's history trigger function, with or without the schema-upgrade skip."""
    # The revision text is the one source; late, as legacy.ddl loads revisions itself.
    from clientele.legacy.target import revision_sql  # noqa: PLC0415 - import cycle

    source = revision_sql("0002_customer_history")
    start = source.index("CREATE FUNCTION clientele_customers_history()")
    end = source.index("$$;", start) + len("$$;")
    body = source[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    if with_skip:
        old, new = HISTORY_SKIP
        if old not in body:
            raise RuntimeError("revision 0002's history function changed; update HISTORY_SKIP")
        body = body.replace(old, new, 1)
    return body


def _backfill() -> None:
    """Fill the new columns of rows that differ from their defaults, a committed batch at a time
    (walking the primary key); the history trigger skips these representation rewrites."""
    bind = op.get_bind()
    bind.execute(text("SET clientele.history_skip = 'schema-upgrade'"))
    last = "00000000-0000-0000-0000-000000000000"
    while True:
        ids = bind.execute(NEXT_BATCH, {"last": last, "batch": BATCH}).scalars().all()
        if not ids:
            break
        bind.execute(FILL_BATCH, {"ids": list(ids)})
        last = ids[-1]
    bind.execute(text("RESET clientele.history_skip"))


def _search_index_definition() -> str:
    """Revision 0003's name-search index as the database holds it (INCLUDEs the type and the
    status, whose types change): rebuilt after the swap from this very definition."""
    definition = (
        op.get_bind()
        .execute(text("SELECT pg_get_indexdef(to_regclass(:name))"), {"name": SEARCH_INDEX})
        .scalar_one()
    )
    return str(definition)


def upgrade() -> None:
    op.execute(EXPAND)
    op.execute(_history_function(with_skip=True))
    search_index = _search_index_definition()
    # The same keys without the INCLUDE: serves searches while the swap drops the original.
    stand_in = search_index.split(" INCLUDE ")[0].replace(
        f"INDEX {SEARCH_INDEX} ON", f"INDEX CONCURRENTLY IF NOT EXISTS {STAND_IN} ON", 1
    )
    with op.get_context().autocommit_block():
        _backfill()
        for constraint in VALIDATE_BEFORE:
            op.execute(f"ALTER TABLE customers VALIDATE CONSTRAINT {constraint}")
        for statement in (*INDEXES_BEFORE, stand_in):
            op.execute(statement)
        op.execute("BEGIN")
        op.execute(SWAP)
        op.execute("COMMIT")
        for constraint in VALIDATE_AFTER:
            op.execute(f"ALTER TABLE customers VALIDATE CONSTRAINT {constraint}")
        op.execute(search_index.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1))
        op.execute(f"DROP INDEX CONCURRENTLY {STAND_IN}")
        for statement in INDEXES_AFTER:
            op.execute(statement)
    op.execute(
        "UPDATE merges SET customers_before = ("
        "SELECT jsonb_object_agg(key, clientele_customer_image(value))"
        " FROM jsonb_each(customers_before)),"
        " customers_after = (SELECT jsonb_object_agg(key, clientele_customer_image(value))"
        " FROM jsonb_each(customers_after))"
        " WHERE customers_before <> '{}' AND customers_after <> '{}'"
    )


def downgrade() -> None:
    op.execute(DOWNGRADE)
    op.execute(_history_function(with_skip=False))
    op.execute("DROP FUNCTION clientele_history_skipped(oid)")
