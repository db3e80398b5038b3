"""Blocking keys for the online duplicate check (issue 16).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-04

* `customer_blocking_keys (key, customer_id)`: the name evidence of the online duplicate
  check, precomputed. `clientele_blocking_keys(name, city)` folds the name as the search does
  (`clientele_search_normalize`), keeps its distinctive words (not the generic vocabulary of
  `clientele.names.vocabulary.GENERIC_WORDS`, folded; all words when every word is generic),
  the four longest, and makes: `city|word` per word, `city|word word` per pair of words, and
  `*|all the words` (the same name in any city, or without one). A create or PATCH looks its
  own keys up, at most 50 customers per key (a common name cannot explode the candidate set),
  ranked by how many keys they share: index-only reads of a few hundred entries instead of a
  trigram bitmap over every customer with a similar word (270-560 ms at a million).
* Kept by a row trigger AFTER INSERT and AFTER UPDATE OF name, city, merged_into_id (a merged
  customer has no keys); deleted with the customer (foreign key, cascade). Any writer counts:
  API, CSV import, bulk SQL, the legacy migration.
* Online at a million customers: the table, function and trigger are committed first (brief
  locks), then the existing customers are keyed in committed batches of 20,000 along the
  primary key (ON CONFLICT DO NOTHING, in the trigger too: a customer renamed while its batch
  runs keeps its new keys and may keep stale ones, which only add a candidate that scoring
  then rejects).
"""

from alembic import op
from sqlalchemy import text

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

# clientele.names.vocabulary.GENERIC_WORDS when this revision was written (frozen here).
_GENERIC = (
    "hospital clinic nursing home centre diagnostics laboratory pathology multispeciality super "
    "speciality medical healthcare health care services institute research imaging scan "
    "clinical polyclinic maternity memorial surgicals surgical systems solutions agencies "
    "equipments distributors devices technologies group network dental eye children child "
    "women ent diabetes ortho heart cancer orthopaedic family dialysis ivf skin physiotherapy "
    "rehab mri ct sciences general"
)
GENERIC_WORDS = _GENERIC.split()
PER_CUSTOMER_WORDS = 4
BATCH = 20_000

TABLE = """
CREATE TABLE IF NOT EXISTS customer_blocking_keys (
    key TEXT NOT NULL,
    customer_id UUID NOT NULL
        CONSTRAINT fk_customer_blocking_keys_customer_id_customers
        REFERENCES customers (id) ON DELETE CASCADE,
    CONSTRAINT pk_customer_blocking_keys PRIMARY KEY (key, customer_id)
);
COMMENT ON TABLE customer_blocking_keys IS
    'Name blocking keys of the online duplicate check (clientele_blocking_keys), kept by a trigger.';
CREATE INDEX IF NOT EXISTS ix_customer_blocking_keys_customer_id
    ON customer_blocking_keys (customer_id);
"""

FUNCTIONS = """
CREATE OR REPLACE FUNCTION clientele_blocking_keys(name text, city text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH words AS (
        SELECT DISTINCT w FROM unnest(string_to_array(
            public.clientele_search_normalize(coalesce(name, '')), ' ')) AS w
        WHERE w <> ''),
    distinctive AS (
        SELECT w FROM words
        WHERE NOT (w = ANY (__GENERIC__::text[]))
           OR NOT EXISTS (SELECT 1 FROM words WHERE NOT (w = ANY (__GENERIC__::text[])))
        ORDER BY length(w) DESC, w LIMIT __WORDS__),
    place (p) AS (SELECT coalesce(lower(btrim(city)), ''))
    SELECT ARRAY(
        SELECT p || '|' || w FROM distinctive, place
        UNION ALL
        SELECT p || '|' || a.w || ' ' || b.w FROM distinctive a JOIN distinctive b ON a.w < b.w, place
        UNION ALL
        SELECT '*|' || string_agg(w, ' ' ORDER BY w) FROM distinctive HAVING count(*) > 0)
$$;
COMMENT ON FUNCTION clientele_blocking_keys(text, text) IS
    'Blocking keys of a customer name in a city: city|word, city|word word, *|all words.';

-- SECURITY DEFINER: a role that may write customers need not be granted the keys table.
CREATE OR REPLACE FUNCTION clientele_customer_blocking_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM customer_blocking_keys WHERE customer_id = OLD.id;
    END IF;
    IF NEW.merged_into_id IS NULL THEN
        INSERT INTO customer_blocking_keys (key, customer_id)
        SELECT DISTINCT k, NEW.id FROM unnest(clientele_blocking_keys(NEW.name, NEW.city)) AS k
        ORDER BY 1
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS customers_blocking_keys_insert ON customers;
DROP TRIGGER IF EXISTS customers_blocking_keys_update ON customers;
CREATE TRIGGER customers_blocking_keys_insert AFTER INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION clientele_customer_blocking_keys();
CREATE TRIGGER customers_blocking_keys_update AFTER UPDATE OF name, city, merged_into_id
    ON customers FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.city IS DISTINCT FROM NEW.city
          OR (OLD.merged_into_id IS NULL) <> (NEW.merged_into_id IS NULL))
    EXECUTE FUNCTION clientele_customer_blocking_keys();
"""

NEXT_BATCH = text(
    "SELECT id FROM customers WHERE id > CAST(:last AS uuid) ORDER BY id LIMIT :batch"
)
FILL_BATCH = text(
    """
    INSERT INTO customer_blocking_keys (key, customer_id)
    SELECT DISTINCT k, c.id FROM customers c, unnest(clientele_blocking_keys(c.name, c.city)) k
    WHERE c.id = ANY (CAST(:ids AS uuid[])) AND c.merged_into_id IS NULL
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
    """
)

DOWNGRADE = """
DROP TRIGGER IF EXISTS customers_blocking_keys_update ON customers;
DROP TRIGGER IF EXISTS customers_blocking_keys_insert ON customers;
DROP FUNCTION IF EXISTS clientele_customer_blocking_keys();
DROP TABLE IF EXISTS customer_blocking_keys;
DROP FUNCTION IF EXISTS clientele_blocking_keys(text, text);
"""


def _functions() -> str:
    bind = op.get_bind()
    folded = bind.execute(
        text(
            "SELECT array_agg(DISTINCT f ORDER BY f) FROM unnest(CAST(:words AS text[])) w,"
            " string_to_table(clientele_search_normalize(w), ' ') f WHERE f <> ''"
        ),
        {"words": GENERIC_WORDS},
    ).scalar_one()
    literal = "'{" + ",".join(folded) + "}'"  # folded words: [a-z0-9] only
    return FUNCTIONS.replace("__GENERIC__", literal).replace("__WORDS__", str(PER_CUSTOMER_WORDS))


def _backfill() -> None:
    bind = op.get_bind()
    last = "00000000-0000-0000-0000-000000000000"
    while True:
        ids = bind.execute(NEXT_BATCH, {"last": last, "batch": BATCH}).scalars().all()
        if not ids:
            break
        bind.execute(FILL_BATCH, {"ids": list(ids)})
        last = str(ids[-1])


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("BEGIN")
        op.execute(TABLE)
        op.execute(_functions())
        op.execute("COMMIT")
        _backfill()


def downgrade() -> None:
    op.execute(DOWNGRADE)
