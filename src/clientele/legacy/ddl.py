"""Every schema change the legacy migration makes, and the careful way it runs them.

Each DDL statement runs in its own short transaction on an autocommit connection with
`lock_timeout` and `statement_timeout` set, and is retried with exponential backoff (plus
jitter) when it could not get its lock in time: a waiting ALTER would otherwise queue every
query of the running application behind it. Foreign keys and checks are added NOT VALID and
validated separately; indexes are built CONCURRENTLY and an invalid leftover of an interrupted
build is dropped and built again. Steps carry a guard (a query answering "still to do?") so a
re-run after a crash skips what is done.

The target shape is not copied: the CHECK constraints and indexes of `service_tickets`,
`equipment` and `organizations` are read from revision 0001's SQL, and the tables that do not
exist in a legacy database are created by the revisions themselves (see `migrate.py`).
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.
# ruff: noqa: S608, E501

import importlib
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
from psycopg import errors

log = logging.getLogger(__name__)

LEGACY_TABLES = ("organizations", "equipment", "service_tickets")
# The new uuid reference beside the old application's `customer_id VARCHAR(32)`; renamed to
# `customer_id` by finalize, once the old column is gone.
TICKET_REF = "customer_ref"
STATE_TABLE = "legacy_migration_state"


class MigrationError(RuntimeError):
    """A step could not be completed (its message says which and why)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One DDL statement; `guard` (SQL returning one boolean) says whether it is still to do."""

    name: str
    sql: str
    guard: str | None = None
    concurrent_index: str | None = None  # the index name, for invalid-leftover detection
    slow: bool = False  # scans a table (VALIDATE, CREATE INDEX): a long statement timeout


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Lock and statement timeouts for DDL, and the retry policy on lock timeouts."""

    lock_timeout_ms: int = 500
    statement_timeout_ms: int = 60_000
    slow_statement_timeout_ms: int = 3_600_000
    attempts: int = 12
    first_backoff_s: float = 0.2
    max_backoff_s: float = 10.0


# --- reading the target shape from revision 0001 ---------------------------------------------


def revision_sql(module: str, name: str = "UPGRADE") -> str:
    """The SQL text a hand-written revision module holds (e.g. `0001_core_schema`)."""
    mod = importlib.import_module(f"clientele.migrations.versions.{module}")
    value = getattr(mod, name)
    if not isinstance(value, str):
        raise TypeError(f"{module}.{name} is not SQL text")
    return value


def split_sql(script: str) -> list[str]:
    """Statements of a SQL script, respecting quotes, dollar quotes and comments."""
    statements: list[str] = []
    buf: list[str] = []
    i, n = 0, len(script)
    while i < n:
        ch = script[i]
        if script.startswith("--", i):
            end = script.find("\n", i)
            end = n if end < 0 else end
            i = end
            continue
        if ch == "'":
            end = i + 1
            while end < n:
                if script[end] == "'" and script.startswith("''", end):
                    end += 2
                    continue
                if script[end] == "'":
                    break
                end += 1
            buf.append(script[i : end + 1])
            i = end + 1
            continue
        if ch == "$":
            match = re.match(r"\$[A-Za-z_]*\$", script[i:])
            if match:
                tag = match.group(0)
                end = script.find(tag, i + len(tag))
                end = n if end < 0 else end + len(tag)
                buf.append(script[i:end])
                i = end
                continue
        if ch == ";":
            statement = "".join(buf).strip()
            if statement:
                statements.append(statement)
            buf = []
            i += 1
            continue
        buf.append(ch)
        i += 1
    statement = "".join(buf).strip()
    if statement:
        statements.append(statement)
    return statements


def _statement_table(statement: str) -> str | None:
    patterns = (
        r"^CREATE TABLE (\w+)",
        r"^CREATE (?:UNIQUE )?INDEX \w+ ON (\w+)",
        r"^CREATE SEQUENCE \w+ OWNED BY (\w+)\.",
    )
    for pattern in patterns:
        match = re.match(pattern, statement, re.IGNORECASE)
        if match:
            return match.group(1).lower()
    return None


def core_statements_for_new_tables() -> list[str]:
    """Revision 0001's statements that a legacy database lacks: new tables and their indexes.

    The legacy tables' own statements are left out (they are converged on step by step); the
    ticket number sequence is kept (it is new, owned by a legacy table's column).
    """
    out = []
    for statement in split_sql(revision_sql("0001_core_schema")):
        table = _statement_table(statement)
        if statement.upper().startswith("CREATE SEQUENCE") or table not in LEGACY_TABLES:
            out.append(statement)
    return out


def new_core_tables() -> list[str]:
    """The tables revision 0001 creates that a legacy database lacks, in creation order."""
    out = []
    for statement in core_statements_for_new_tables():
        match = re.match(r"^CREATE TABLE (\w+)", statement, re.IGNORECASE)
        if match:
            out.append(match.group(1).lower())
    return out


def _balanced(text: str, start: int) -> str:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    raise ValueError("unbalanced parentheses in revision SQL")


def target_checks(table: str) -> list[tuple[str, str]]:
    """(name, `CHECK (...)`) of a legacy table's CHECK constraints in revision 0001."""
    out = []
    for statement in split_sql(revision_sql("0001_core_schema")):
        if _statement_table(statement) != table or not statement.upper().startswith("CREATE TABLE"):
            continue
        for match in re.finditer(r"CONSTRAINT (ck_\w+) CHECK\s*", statement):
            out.append((match.group(1), "CHECK " + _balanced(statement, match.end())))
    return out


def target_indexes(table: str) -> list[tuple[str, str]]:
    """(name, `CREATE INDEX ...`) of a legacy table's indexes in revision 0001.

    Service tickets' `customer_id` is the new uuid column, called `customer_ref` until finalize
    renames it; an index follows its column through a rename, so the names stay right.
    """
    out = []
    for statement in split_sql(revision_sql("0001_core_schema")):
        match = re.match(r"^CREATE INDEX (\w+) ON (\w+)", statement)
        if not match or match.group(2) != table:
            continue
        text = " ".join(statement.split())
        if table == "service_tickets":
            text = re.sub(r"\bcustomer_id\b", TICKET_REF, text)
        out.append((match.group(1), text))
    return out


# --- what migrate adds to the legacy tables --------------------------------------------------


def _column_missing(table: str, column: str) -> str:
    return (
        "SELECT NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = "
        f"current_schema() AND table_name = '{table}' AND column_name = '{column}')"
    )


def _constraint_missing(name: str) -> str:
    return (
        "SELECT NOT EXISTS (SELECT FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
        f"c.connamespace WHERE n.nspname = current_schema() AND c.conname = '{name}')"
    )


def _constraint_not_valid(name: str) -> str:
    return (
        "SELECT EXISTS (SELECT FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
        f"c.connamespace WHERE n.nspname = current_schema() AND c.conname = '{name}' "
        "AND NOT c.convalidated)"
    )


def _trigger_missing(name: str) -> str:
    return f"SELECT NOT EXISTS (SELECT FROM pg_trigger WHERE tgname = '{name}')"


def _added_then_validated(table: str, name: str, definition: str) -> list[Step]:
    return [
        Step(
            f"add {name}",
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID",
            guard=_constraint_missing(name),
        ),
        Step(
            f"validate {name}",
            f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}",
            guard=_constraint_not_valid(name),
            slow=True,
        ),
    ]


EXPAND_COLUMNS = [
    Step(
        "add service_tickets.customer_ref",
        f"ALTER TABLE service_tickets ADD COLUMN IF NOT EXISTS {TICKET_REF} UUID",
        guard=_column_missing("service_tickets", TICKET_REF),
    ),
    Step(
        "add equipment.customer_id",
        "ALTER TABLE equipment ADD COLUMN IF NOT EXISTS customer_id UUID",
        guard=_column_missing("equipment", "customer_id"),
    ),
    Step(
        "add equipment.contact_id",
        "ALTER TABLE equipment ADD COLUMN IF NOT EXISTS contact_id UUID",
        guard=_column_missing("equipment", "contact_id"),
    ),
]

PLACEHOLDER_ID = "a1f5e3d0-5c3e-5b1e-9a7e-000000000001"

# The trigger side of rule 5. SQL versions of the Python normalization (close, not identical:
# phonenumbers is the reference; these only ever produce a valid E.164 or NULL).
FUNCTIONS = [
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_id(raw text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN raw IS NULL OR btrim(raw) = '' THEN NULL
        WHEN lower(btrim(raw)) ~ '^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$'
            THEN translate(lower(btrim(raw)), '-{}', '')
        ELSE lower(btrim(raw)) END
$$""",
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_phone(raw text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    d text := regexp_replace(coalesce(raw, ''), '[^0-9]', '', 'g');
BEGIN
    IF length(d) = 12 AND left(d, 2) = '91' THEN
        d := substr(d, 3);
    ELSIF length(d) = 13 AND left(d, 3) = '091' THEN
        d := substr(d, 4);
    ELSIF length(d) = 11 AND left(d, 1) = '0' THEN
        d := substr(d, 2);
    END IF;
    IF d !~ '^[2-9][0-9]{9}$' OR d ~ '^(.)\1+$' THEN
        RETURN NULL;
    END IF;
    -- Placeholders phonenumbers would accept as landlines (1234567890-like runs).
    IF left(d, 1) < '6' AND d ~ '(012345678|123456789|234567890|987654321|876543210)' THEN
        RETURN NULL;
    END IF;
    RETURN '+91' || d;
END
$$""",
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_customer_type(name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN name IS NULL THEN 'clinic'
        WHEN lower(name) ~ '\m(lab|labs|laboratory|laboratories|pathology|diagnostics?|imaging|scans)\M' THEN 'lab'
        WHEN lower(name) ~ '\m(traders|trading|agencies|distributors|enterprises|dealer|suppliers|surgicals)\M' THEN 'dealer'
        WHEN lower(name) ~ '\m(manufacturing|industries|technologies|devices|meditech|instruments)\M' THEN 'manufacturer'
        WHEN lower(name) ~ '\m(clinic|clinics|polyclinic|dispensary|centre|center|care)\M' THEN 'clinic'
        WHEN lower(name) ~ '\m(hospital|hospitals|hosp|nursing|medical|institute)\M' OR name LIKE '%अस्पताल%' THEN 'hospital'
        ELSE 'clinic' END
$$""",
    rf"""
CREATE OR REPLACE FUNCTION clientele_legacy_link(
    p_ticket uuid, p_legacy_id text, p_name text, p_phone text, p_whatsapp text, p_at timestamptz
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    lid text := clientele_legacy_id(p_legacy_id);
    nm text := nullif(btrim(regexp_replace(coalesce(p_name, ''), '\s+', ' ', 'g')), '');
    ph text := clientele_legacy_phone(p_phone);
    wa text := clientele_legacy_phone(p_whatsapp);
    number text := coalesce(ph, wa);
    found uuid;
    new_id uuid;
    state text := 'active';
BEGIN
    IF lid IS NOT NULL THEN
        -- Creators of one legacy id (two old-application inserts, or the backfill) take turns.
        PERFORM pg_advisory_xact_lock(hashtextextended('clientele_legacy_id:' || lid, 0));
        SELECT coalesce(c.merged_into_id, c.id) INTO found
          FROM customer_legacy_ids AS l JOIN customers AS c ON c.id = l.customer_id
         WHERE l.legacy_id = lid;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    ELSIF number IS NOT NULL THEN
        SELECT c.id INTO found FROM customers AS c
         WHERE c.primary_phone IN (ph, wa) AND c.merged_into_id IS NULL
         ORDER BY c.status = 'active' DESC, c.created_at, c.id LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    ELSIF nm IS NOT NULL THEN
        SELECT c.id INTO found FROM customers AS c
         WHERE c.name ILIKE replace(replace(replace(nm, '\', '\\'), '%', '\%'), '_', '\_')
           AND c.merged_into_id IS NULL
         ORDER BY c.status = 'active' DESC, c.created_at, c.id LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    ELSE
        -- Nothing to go by: the placeholder customer, and the ticket listed for a person.
        PERFORM set_config('clientele.source', 'legacy', true);
        INSERT INTO customers (id, customer_type, name, status, tags, metadata, created_at)
        VALUES ('{PLACEHOLDER_ID}', 'individual', 'Unidentified legacy customer', 'inactive',
                '{{legacy}}', '{{"legacy": {{"key": "unidentified", "placeholder": true}}}}',
                coalesce(p_at, now()))
        ON CONFLICT (id) DO NOTHING;
        INSERT INTO legacy_review_items
            (kind, customer_ids, subject_table, subject_id, summary, resolution, evidence, dedupe_key)
        VALUES ('ticket_without_customer', ARRAY['{PLACEHOLDER_ID}'::uuid], 'service_tickets', p_ticket,
                'ticket has no customer id, no name and no valid phone',
                'linked to the placeholder customer ''Unidentified legacy customer''',
                jsonb_build_object('phone', p_phone, 'whatsapp', p_whatsapp),
                'ticket_without_customer:' || p_ticket)
        ON CONFLICT (dedupe_key) DO NOTHING;
        RETURN '{PLACEHOLDER_ID}';
    END IF;
    IF number IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('clientele_legacy_phone:' || number, 0));
        IF EXISTS (SELECT FROM customers WHERE primary_phone = number AND status = 'active') THEN
            state := 'inactive';
        END IF;
    ELSE
        state := 'inactive';
    END IF;
    PERFORM set_config('clientele.source', 'legacy', true);
    INSERT INTO customers (customer_type, name, primary_phone, whatsapp_number, status, tags,
                           metadata, created_at)
    VALUES (clientele_legacy_customer_type(nm),
            coalesce(left(nm, 500),
                     'Unnamed legacy customer (' || coalesce(btrim(p_legacy_id), number) || ')'),
            number, wa, state, '{{legacy}}',
            jsonb_build_object('legacy', jsonb_build_object(
                'key', 'online', 'aliases', coalesce(jsonb_build_array(nm), '[]'),
                'raw_phones', jsonb_strip_nulls(jsonb_build_array(p_phone, p_whatsapp)),
                'customer_type_guessed', true, 'created_online', true)),
            coalesce(p_at, now()))
    RETURNING id INTO new_id;
    IF lid IS NOT NULL THEN
        INSERT INTO customer_legacy_ids (legacy_id, customer_id, original_value)
        VALUES (lid, new_id, left(p_legacy_id, 64));
    END IF;
    IF state = 'inactive' THEN
        INSERT INTO legacy_review_items (kind, customer_ids, summary, resolution, evidence, dedupe_key)
        VALUES (CASE WHEN number IS NULL THEN 'no_phone' ELSE 'shared_phone' END, ARRAY[new_id],
                CASE WHEN number IS NULL THEN 'no valid phone was typed for this customer'
                     ELSE number || ' already belongs to an active customer' END,
                'stored inactive (created while the old application was writing)',
                jsonb_build_object('phone', p_phone, 'name', nm, 'legacy_id', p_legacy_id),
                'online:' || new_id)
        ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
    RETURN new_id;
END
$$""",
    rf"""
CREATE OR REPLACE FUNCTION clientele_legacy_tickets_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    c record;
BEGIN
    -- The migration's own batches set this: they link rows themselves.
    IF current_setting('clientele.legacy_backfill', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF NEW.{TICKET_REF} IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.{TICKET_REF} IS DISTINCT FROM OLD.{TICKET_REF}) THEN
        -- A new-shape write: fill the columns the old application reads.
        SELECT cu.name, cu.primary_phone, cu.whatsapp_number,
               (SELECT l.original_value FROM customer_legacy_ids AS l WHERE l.customer_id = cu.id
                 ORDER BY l.created_at, l.legacy_id LIMIT 1) AS legacy_id
          INTO c FROM customers AS cu WHERE cu.id = NEW.{TICKET_REF};
        IF FOUND THEN
            IF TG_OP = 'UPDATE' OR NEW.customer_id IS NULL THEN
                NEW.customer_id := left(coalesce(c.legacy_id, replace(NEW.{TICKET_REF}::text, '-', '')), 32);
            END IF;
            IF TG_OP = 'UPDATE' OR NEW.customer_name IS NULL THEN
                NEW.customer_name := c.name;
            END IF;
            IF TG_OP = 'UPDATE' OR NEW.customer_phone IS NULL THEN
                NEW.customer_phone := c.primary_phone;
            END IF;
            IF TG_OP = 'UPDATE' OR NEW.customer_whatsapp IS NULL THEN
                NEW.customer_whatsapp := c.whatsapp_number;
            END IF;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT'
       OR (NEW.customer_id, NEW.customer_name, NEW.customer_phone, NEW.customer_whatsapp)
          IS DISTINCT FROM (OLD.customer_id, OLD.customer_name, OLD.customer_phone, OLD.customer_whatsapp)
    THEN
        -- An old-shape write: find (or create) its customer.
        NEW.{TICKET_REF} := clientele_legacy_link(NEW.id, NEW.customer_id, NEW.customer_name,
                                                 NEW.customer_phone, NEW.customer_whatsapp,
                                                 NEW.created_at);
    END IF;
    RETURN NEW;
END
$$""",
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_equipment_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    number text := clientele_legacy_phone(NEW.customer_contact_phone);
    owners uuid[];
    person text := left(nullif(btrim(NEW.customer_contact_name), ''), 255);
    mail text;
    contact uuid;
BEGIN
    IF current_setting('clientele.legacy_backfill', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (NEW.customer_contact_name, NEW.customer_contact_phone, NEW.customer_contact_email)
           IS NOT DISTINCT FROM (OLD.customer_contact_name, OLD.customer_contact_phone, OLD.customer_contact_email)
    THEN
        RETURN NEW;
    END IF;
    IF NEW.customer_id IS NULL THEN
        IF number IS NULL THEN
            RETURN NEW;
        END IF;
        -- Certain only when exactly one customer has the contact's phone.
        SELECT array_agg(c.id) INTO owners FROM customers AS c
         WHERE (c.primary_phone = number OR c.whatsapp_number = number) AND c.merged_into_id IS NULL;
        IF coalesce(cardinality(owners), 0) <> 1 THEN
            RETURN NEW;
        END IF;
        NEW.customer_id := owners[1];
    END IF;
    IF person IS NULL THEN
        RETURN NEW;
    END IF;
    IF btrim(NEW.customer_contact_email) ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN
        mail := lower(btrim(NEW.customer_contact_email));
    END IF;
    SELECT cc.id INTO contact FROM customer_contacts AS cc
     WHERE cc.customer_id = NEW.customer_id AND lower(cc.name) = lower(person)
       AND cc.phone IS NOT DISTINCT FROM number
     LIMIT 1;
    IF contact IS NULL THEN
        INSERT INTO customer_contacts (customer_id, name, role, phone, email)
        VALUES (NEW.customer_id, person, 'equipment contact', number, mail)
        RETURNING id INTO contact;
    END IF;
    NEW.contact_id := contact;
    RETURN NEW;
END
$$""",
]
FUNCTION_SIGNATURES = [
    "clientele_legacy_equipment_sync()",
    "clientele_legacy_tickets_sync()",
    "clientele_legacy_link(uuid, text, text, text, text, timestamptz)",
    "clientele_legacy_customer_type(text)",
    "clientele_legacy_phone(text)",
    "clientele_legacy_id(text)",
]

TRIGGERS = [
    Step(
        "trigger on service_tickets",
        "CREATE OR REPLACE TRIGGER clientele_legacy_tickets_sync BEFORE INSERT OR UPDATE "
        "ON service_tickets FOR EACH ROW EXECUTE FUNCTION clientele_legacy_tickets_sync()",
        guard=_trigger_missing("clientele_legacy_tickets_sync"),
    ),
    Step(
        "trigger on equipment",
        "CREATE OR REPLACE TRIGGER clientele_legacy_equipment_sync BEFORE INSERT OR UPDATE "
        "ON equipment FOR EACH ROW EXECUTE FUNCTION clientele_legacy_equipment_sync()",
        guard=_trigger_missing("clientele_legacy_equipment_sync"),
    ),
]

REF_NOT_NULL = "ck_service_tickets_customer_ref_not_null"

CONSTRAINTS = [
    *_added_then_validated(
        "service_tickets",
        "fk_service_tickets_customer_id_customers",
        f"FOREIGN KEY ({TICKET_REF}) REFERENCES customers (id) ON DELETE RESTRICT",
    ),
    # NOT NULL the online way: a validated CHECK now; finalize's SET NOT NULL then skips the scan.
    *_added_then_validated("service_tickets", REF_NOT_NULL, f"CHECK ({TICKET_REF} IS NOT NULL)"),
    *_added_then_validated(
        "equipment",
        "fk_equipment_customer_id_customers",
        "FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT",
    ),
    *_added_then_validated(
        "equipment",
        "fk_equipment_contact_id_customer_contacts",
        "FOREIGN KEY (contact_id) REFERENCES customer_contacts (id) ON DELETE RESTRICT",
    ),
]


def index_steps() -> list[Step]:
    """The target indexes of the legacy tables, built CONCURRENTLY."""
    steps = []
    for table in LEGACY_TABLES:
        for name, statement in target_indexes(table):
            sql = statement.replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY IF NOT EXISTS ", 1)
            guard = (
                f"SELECT to_regclass('{name}') IS NULL OR EXISTS (SELECT FROM pg_index"
                f" WHERE indexrelid = to_regclass('{name}') AND NOT indisvalid)"
            )
            steps.append(Step(f"index {name}", sql, guard, concurrent_index=name, slow=True))
    return steps


# The sweep for tickets still unlinked after the ticket pass reads them through this partial
# index (a handful of rows) instead of scanning every ticket per batch; built CONCURRENTLY just
# before the sweep (by then nearly every ticket is linked, so it is tiny) and dropped after it.
SWEEP_INDEX = "ix_legacy_service_tickets_unlinked"


def sweep_index_step() -> Step:
    """The unlinked-tickets partial index, built CONCURRENTLY (an invalid leftover rebuilt);
    not when the target index on the ticket's customer exists (a rerun: that one serves)."""
    guard = (
        f"SELECT (to_regclass('{SWEEP_INDEX}') IS NULL OR EXISTS (SELECT FROM pg_index"
        f" WHERE indexrelid = to_regclass('{SWEEP_INDEX}') AND NOT indisvalid))"
        " AND to_regclass('ix_service_tickets_customer_id') IS NULL"
    )
    return Step(
        f"index {SWEEP_INDEX}",
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SWEEP_INDEX} ON service_tickets (id)"
        f" WHERE {TICKET_REF} IS NULL",
        guard,
        concurrent_index=SWEEP_INDEX,
        slow=True,
    )


def drop_sweep_index_step() -> Step:
    """Drop the sweep's index (after the sweep, and in rollback and finalize if left over)."""
    return Step(
        f"drop index {SWEEP_INDEX}",
        f"DROP INDEX CONCURRENTLY IF EXISTS {SWEEP_INDEX}",
        f"SELECT to_regclass('{SWEEP_INDEX}') IS NOT NULL",
    )


def _function_step(sql: str) -> Step:
    """CREATE OR REPLACE FUNCTION, skipped when the same body is already installed."""
    sql = sql.strip()
    match = re.search(r"FUNCTION (\w+)\(", sql)
    if match is None:
        raise ValueError("not a CREATE FUNCTION statement")
    body = sql[sql.index("$$") + 2 : sql.rindex("$$")]
    guard = (
        f"SELECT NOT EXISTS (SELECT FROM pg_proc WHERE proname = '{match.group(1)}'"
        f" AND prosrc = $guard${body}$guard$)"
    )
    return Step(f"function {match.group(1)}", sql, guard=guard)


def expand_steps() -> list[Step]:
    """migrate's DDL on the legacy tables, before the backfill (columns, functions, triggers)."""
    return [*EXPAND_COLUMNS, *(_function_step(f) for f in FUNCTIONS), *TRIGGERS]


def after_backfill_steps() -> list[Step]:
    """migrate's DDL once every row is linked: constraints, then indexes."""
    return [*CONSTRAINTS, *index_steps()]


# --- running DDL ---------------------------------------------------------------------------


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection: every DDL statement is its own short transaction."""
    return psycopg.connect(url, autocommit=True)


def _set_timeouts(conn: psycopg.Connection[tuple[object, ...]], lock_ms: int, stmt_ms: int) -> None:
    conn.execute(f"SET lock_timeout = {int(lock_ms)}")
    conn.execute(f"SET statement_timeout = {int(stmt_ms)}")


def _drop_invalid_index(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    row = conn.execute(
        "SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", (name,)
    ).fetchone()
    if row is not None and row[0]:
        log.warning("dropping the invalid leftover index %s of an interrupted build", name)
        conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def run_step(conn: psycopg.Connection[tuple[object, ...]], step: Step, timeouts: Timeouts) -> bool:
    """Run one step unless its guard says it is done; True when it ran.

    Raises MigrationError when the lock could not be had after `timeouts.attempts` tries.
    """
    if step.guard is not None:
        row = conn.execute(step.guard).fetchone()
        if row is None or not row[0]:
            return False
    stmt_ms = timeouts.slow_statement_timeout_ms if step.slow else timeouts.statement_timeout_ms
    delay = timeouts.first_backoff_s
    for attempt in range(1, timeouts.attempts + 1):
        _set_timeouts(conn, timeouts.lock_timeout_ms, stmt_ms)
        try:
            if step.concurrent_index:
                _drop_invalid_index(conn, step.concurrent_index)
            conn.execute(step.sql)
            return True
        except errors.LockNotAvailable:
            log.warning("%s: lock not granted in time (attempt %d)", step.name, attempt)
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
            delay = min(delay * 2, timeouts.max_backoff_s)
    raise MigrationError(f"{step.name}: could not get its lock after {timeouts.attempts} tries")


def run_steps(
    conn: psycopg.Connection[tuple[object, ...]],
    steps: list[Step],
    timeouts: Timeouts,
    on_step: Callable[[Step], None] | None = None,
) -> int:
    """Run steps in order; the number that ran (the others were already done)."""
    ran = 0
    for step in steps:
        if run_step(conn, step, timeouts):
            ran += 1
        if on_step is not None:
            on_step(step)
    return ran


def statements_for_lint() -> Iterator[tuple[str, str]]:
    """(phase, statement) for every DDL statement the tool runs on live tables (for squawk)."""
    from clientele.legacy.finalize import contract_steps
    from clientele.legacy.rollback import rollback_steps

    for step in [*expand_steps(), sweep_index_step(), drop_sweep_index_step(),
                 *after_backfill_steps()]:  # fmt: skip
        yield "migrate", step.sql
    for step in contract_steps(unique_name="service_tickets_ticket_number_key",
                                        equipment_fk_name="service_tickets_equipment_id_fkey"):  # fmt: skip
        yield "finalize", step.sql
    for step in rollback_steps():
        yield "rollback", step.sql
