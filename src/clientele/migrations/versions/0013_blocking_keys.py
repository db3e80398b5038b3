"""Blocking keys for the online duplicate check; the place on the report counters (issue 16).

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
* Kept by a statement trigger AFTER INSERT (transition table: a COPY of many customers is one
  insert of their keys) and a row trigger AFTER UPDATE OF name, city, merged_into_id (a merged
  customer has no keys); deleted with the customer (foreign key, cascade). Any writer counts:
  API, CSV import, bulk SQL, the legacy migration.
* Online at a million customers: the table, function and trigger are committed first (brief
  locks), then the existing customers are keyed in committed batches of 20,000 along the
  primary key (ON CONFLICT DO NOTHING, in the trigger too: a customer renamed while its batch
  runs keeps its new keys and may keep stale ones, which only add a candidate that scoring
  then rejects).
* `customer_ticket_counts.city_key / state_key` (lower(city), lower(state)) with indexes
  `(city_key, tickets DESC, customer_id)` and `(state_key, ...)`: "customers in Mumbai with
  more than 10 tickets" reads the top of one index range instead of every customer of the city
  joined to its counters (400 ms at a million, growing with the city). Written by the ticket
  trigger from the customer row it locks FOR SHARE (so a concurrent change of city either
  committed before, and is read, or waits for the ticket statement's commit), and by a row
  trigger AFTER UPDATE OF city, state on customers. The existing rows are filled in committed
  batches after the triggers are in place; the indexes are built CONCURRENTLY.
"""

from typing import Any

from alembic import op
from sqlalchemy import text

from clientele.migrations.sqltext import function_sql, revised, revision_text

revision = "0013"
down_revision = "0014"
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

# Revision 0008's ticket counters function, taken from that revision's own text: the
# downgrade restores it.
OLD_APPLY = (
    "\n"
    + function_sql(revision_text("0008_report_counters"), "clientele_ticket_counts_apply", "$fn$")
    + "\n\n"
)
# The same, also writing the customer's place (read under FOR SHARE of the customer row).
NEW_APPLY = revised(
    OLD_APPLY,
    (
        """
                (customer_id, tickets, open, in_progress, first_ticket_at, last_ticket_at)
            SELECT customer_id, tickets, open, in_progress, first_added, last_added
            FROM delta ORDER BY customer_id
""",
        """
                (customer_id, tickets, open, in_progress, first_ticket_at, last_ticket_at,
                 city_key, state_key)
            SELECT d.customer_id, d.tickets, d.open, d.in_progress, d.first_added,
                   d.last_added, lower(cu.city), lower(cu.state)
            FROM delta d JOIN customers cu ON cu.id = d.customer_id
            ORDER BY d.customer_id
            FOR SHARE OF cu
""",
    ),
    (
        """
                last_ticket_at = greatest(c.last_ticket_at, excluded.last_ticket_at)
""",
        """
                last_ticket_at = greatest(c.last_ticket_at, excluded.last_ticket_at),
                city_key = excluded.city_key,
                state_key = excluded.state_key
""",
    ),
)
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
-- PL/pgSQL, not SQL: its query plan is kept for the session (a SQL function's body with
-- CTEs is planned again at every call: 1 ms per customer write instead of ~0.3 ms).
CREATE OR REPLACE FUNCTION clientele_blocking_keys(name text, city text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN ARRAY(
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
        SELECT p || '|' || w FROM distinctive, place
        UNION ALL
        SELECT p || '|' || a.w || ' ' || b.w FROM distinctive a JOIN distinctive b ON a.w < b.w, place
        UNION ALL
        SELECT '*|' || string_agg(w, ' ' ORDER BY w) FROM distinctive HAVING count(*) > 0);
END
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

-- Inserts: one statement per INSERT / COPY (bulk writers such as the legacy migration and the
-- CSV import pay one fold per name and one sorted insert, not a trigger call and a statement
-- per row).
CREATE OR REPLACE FUNCTION clientele_customers_blocking_keys_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO customer_blocking_keys (key, customer_id)
    SELECT DISTINCT k, n.id FROM clientele_new n, unnest(clientele_blocking_keys(n.name, n.city)) AS k
    WHERE n.merged_into_id IS NULL
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS customers_blocking_keys_insert ON customers;
DROP TRIGGER IF EXISTS customers_blocking_keys_update ON customers;
CREATE TRIGGER customers_blocking_keys_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS clientele_new
    FOR EACH STATEMENT EXECUTE FUNCTION clientele_customers_blocking_keys_inserted();
CREATE TRIGGER customers_blocking_keys_update AFTER UPDATE OF name, city, merged_into_id
    ON customers FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.city IS DISTINCT FROM NEW.city
          OR (OLD.merged_into_id IS NULL) <> (NEW.merged_into_id IS NULL))
    EXECUTE FUNCTION clientele_customer_blocking_keys();
"""

COUNTERS = (
    """
ALTER TABLE customer_ticket_counts ADD COLUMN IF NOT EXISTS city_key TEXT,
    ADD COLUMN IF NOT EXISTS state_key TEXT;

-- SECURITY DEFINER: a role that may write customers need not be granted the counters.
CREATE OR REPLACE FUNCTION clientele_ticket_counts_place() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
BEGIN
    UPDATE customer_ticket_counts SET city_key = lower(NEW.city), state_key = lower(NEW.state)
    WHERE customer_id = NEW.id;
    RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS clientele_ticket_counts_place ON customers;
CREATE TRIGGER clientele_ticket_counts_place AFTER UPDATE OF city, state ON customers
    FOR EACH ROW WHEN (lower(OLD.city) IS DISTINCT FROM lower(NEW.city)
                       OR lower(OLD.state) IS DISTINCT FROM lower(NEW.state))
    EXECUTE FUNCTION clientele_ticket_counts_place();
"""  # noqa: S608 - constant DDL
    + NEW_APPLY
)
COUNTERS_INDEXES = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customer_ticket_counts_city"
    " ON customer_ticket_counts (city_key, tickets DESC, customer_id)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customer_ticket_counts_state"
    " ON customer_ticket_counts (state_key, tickets DESC, customer_id)",
)
NEXT_COUNTERS = text(
    "SELECT customer_id FROM customer_ticket_counts WHERE customer_id > CAST(:last AS uuid)"
    " ORDER BY customer_id LIMIT :batch"
)
FILL_COUNTERS = text(
    """
    UPDATE customer_ticket_counts c SET city_key = lower(cu.city), state_key = lower(cu.state)
    FROM customers cu
    WHERE cu.id = c.customer_id AND c.customer_id = ANY (CAST(:ids AS uuid[]))
      AND (c.city_key, c.state_key) IS DISTINCT FROM (lower(cu.city), lower(cu.state))
    """
)
COUNTERS_DOWNGRADE = (
    """
DROP TRIGGER IF EXISTS clientele_ticket_counts_place ON customers;
DROP FUNCTION IF EXISTS clientele_ticket_counts_place();
"""
    + OLD_APPLY
    + """
DROP INDEX IF EXISTS ix_customer_ticket_counts_state;
DROP INDEX IF EXISTS ix_customer_ticket_counts_city;
ALTER TABLE customer_ticket_counts DROP COLUMN IF EXISTS city_key,
    DROP COLUMN IF EXISTS state_key;
"""
)

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
DROP FUNCTION IF EXISTS clientele_customers_blocking_keys_inserted();
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


def _backfill(next_batch: Any, fill: Any) -> None:
    """Run `fill` on committed batches of ids along a primary key (autocommit)."""
    bind = op.get_bind()
    last = "00000000-0000-0000-0000-000000000000"
    while True:
        ids = bind.execute(next_batch, {"last": last, "batch": BATCH}).scalars().all()
        if not ids:
            break
        bind.execute(fill, {"ids": list(ids)})
        last = str(ids[-1])


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("BEGIN")
        op.execute(TABLE)
        op.execute(_functions())
        op.execute(COUNTERS)
        op.execute("COMMIT")
        _backfill(NEXT_BATCH, FILL_BATCH)
        _backfill(NEXT_COUNTERS, FILL_COUNTERS)
        for statement in COUNTERS_INDEXES:
            op.execute(statement)


def downgrade() -> None:
    op.execute(COUNTERS_DOWNGRADE)
    op.execute(DOWNGRADE)
