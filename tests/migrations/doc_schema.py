"""The design doc's `CREATE TABLE customers` (T1.2), and a check of a database against it.

The doc is the specification other services code against; its DDL is copied here as data so a
test can compare a live catalog with it, and `DOC_DDL` is compared with the doc itself when the
repository's shared folder is there (it is in CI).
"""

import re
from pathlib import Path

import psycopg

DOC_FILE = Path(__file__).parents[3] / "shared" / "seeds" / "000_7edcb864dbb14f54.txt"

# name: (type as information_schema spells it, max length, nullable, default as pg prints it)
DOC_COLUMNS: dict[str, tuple[str, int | None, bool, str | None]] = {
    "id": ("uuid", None, False, "gen_random_uuid()"),
    "customer_type": ("character varying", 50, False, None),
    "name": ("character varying", 500, False, None),
    "display_name": ("character varying", 255, True, None),
    "primary_phone": ("character varying", 20, False, None),
    "secondary_phone": ("character varying", 20, True, None),
    "primary_email": ("character varying", 255, True, None),
    "whatsapp_number": ("character varying", 20, True, None),
    "address_line1": ("character varying", 500, True, None),
    "address_line2": ("character varying", 500, True, None),
    "city": ("character varying", 100, True, None),
    "state": ("character varying", 100, True, None),
    "postal_code": ("character varying", 20, True, None),
    "country": ("character varying", 100, True, "'India'::character varying"),
    "organization_id": ("uuid", None, True, None),
    "registration_number": ("character varying", 100, True, None),
    "tax_id": ("character varying", 50, True, None),
    "website": ("character varying", 255, True, None),
    "status": ("character varying", 50, False, "'active'::character varying"),
    "tier": ("character varying", 50, True, None),
    "preferred_language": ("character varying", 20, True, "'en'::character varying"),
    "preferred_contact_method": ("character varying", 50, True, None),
    "notes": ("text", None, True, None),
    "tags": ("jsonb", None, True, "'[]'::jsonb"),
    "created_at": ("timestamp with time zone", None, False, "now()"),
    "updated_at": ("timestamp with time zone", None, False, "now()"),
    "created_by": ("character varying", 255, True, None),
}

# Where the legacy data or the API's contract forces a difference (docs/decisions.md):
DEVIATIONS = {
    # Customers migrated without any valid phone are kept, inactive, with a NULL phone
    # (revision 0004; a CHECK still requires a phone of every active customer).
    ("primary_phone", "nullable"): True,
    # Every row records who created it (the API's actor, or the SQL session's user).
    ("created_by", "nullable"): False,
    ("created_by", "default"): "CURRENT_USER",
}

# The doc's CHECK constraints by name, and the values each allows.
DOC_CHECKS = {
    "customer_type_check": ("customer_type", {"individual", "hospital", "clinic", "lab",
                                              "manufacturer", "dealer"}),
    "customer_status_check": ("status", {"active", "inactive", "blocked"}),
}  # fmt: skip
# Value lists the doc gives in comments, enforced here as CHECKs too.
COMMENTED_VALUES = {
    "tier": {"vip", "premium", "standard"},
    "preferred_contact_method": {"phone", "email", "whatsapp"},
}

# The doc's indexes: (leading key columns or expression, unique, predicate, access method).
DOC_INDEXES = [
    (["customer_type"], False, None, "btree"),
    (["primary_phone"], False, None, "btree"),
    (["primary_email"], False, None, "btree"),
    (["organization_id"], False, None, "btree"),
    (["status"], False, None, "btree"),
    (["city", "state"], False, None, "btree"),
    (["name gin_trgm_ops"], False, None, "gin"),
    (["primary_phone"], True, "status)::text = 'active'::text", "btree"),
]


def doc_create_table() -> str | None:
    """The doc's `CREATE TABLE customers (...)` text, or None when the doc is not beside us."""
    if not DOC_FILE.exists():
        return None
    match = re.search(r"CREATE TABLE customers \((.*?)\n\);", DOC_FILE.read_text(), re.S)
    return match.group(1) if match else ""


def doc_columns_in_text(ddl: str) -> dict[str, tuple[str, str]]:
    """(column name -> (declared type, rest of the line)) parsed from the doc's DDL."""
    columns = {}
    for line in ddl.splitlines():
        line = line.split("--")[0].strip().rstrip(",")
        found = re.match(r"([a-z_0-9]+)\s+([A-Z]+(?:\(\d+\))?)(.*)", line)
        if found and found.group(1) not in ("CONSTRAINT",):
            columns[found.group(1)] = (found.group(2), found.group(3).strip())
    return columns


def differences_from_doc(url: str) -> list[str]:
    """Every way the database's `customers` table differs from the doc (empty: none)."""
    problems: list[str] = []
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT column_name, data_type, character_maximum_length, is_nullable = 'YES',"
            " column_default FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = 'customers'"
        ).fetchall()
        live = {
            name: (kind, length, nullable, default)
            for name, kind, length, nullable, default in rows
        }
        for name, (kind, length, nullable, default) in DOC_COLUMNS.items():
            if name not in live:
                problems.append(f"column {name} is missing")
                continue
            nullable = DEVIATIONS.get((name, "nullable"), nullable)
            default = DEVIATIONS.get((name, "default"), default)
            expected = (kind, length, nullable, default)
            if live[name] != expected:
                problems.append(f"column {name}: {live[name]} instead of {expected}")
        checks = dict(
            conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = 'customers'::regclass AND contype = 'c' AND convalidated"
            ).fetchall()
        )
        for name, (column, values) in DOC_CHECKS.items():
            allowed = set(re.findall(r"'([a-z_]+)'", checks.get(name, "")))
            if column not in checks.get(name, "") or allowed != values:
                problems.append(f"CHECK {name} on {column}: {checks.get(name)!r}")
        for column, values in COMMENTED_VALUES.items():
            if not any(
                column in d and set(re.findall(r"'([a-z_]+)'", d)) == values
                for d in checks.values()
            ):
                problems.append(f"no CHECK limits {column} to {sorted(values)}")
        indexes = conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid), i.indisunique,"
            " btrim(pg_get_expr(i.indpred, i.indrelid), '()'), am.amname"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_am am ON am.oid = c.relam"
            " WHERE i.indrelid = 'customers'::regclass AND i.indisvalid"
        ).fetchall()
        for columns, unique, predicate, method in DOC_INDEXES:
            if not any(
                _leading_keys(definition)[: len(columns)] == columns
                and is_unique == unique
                and (predicate is None or where == predicate)
                and (not unique or where == predicate)
                and am == method
                for definition, is_unique, where, am in indexes
            ):
                problems.append(f"no {method} index on {columns} (unique={unique}, {predicate})")
    return problems


def _leading_keys(definition: str) -> list[str]:
    keys = definition[definition.index("(") + 1 :]
    depth, current, parts = 0, "", []
    for char in keys:
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts
