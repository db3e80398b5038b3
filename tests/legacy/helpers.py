"""Database helpers for the legacy tests: catalog snapshots, linked groups, data hashes."""

from typing import Any
from uuid import UUID

import psycopg

CATALOG = {
    "relations": "SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n"
    " ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
    "columns": "SELECT table_name, column_name, data_type, coalesce(character_maximum_length, -1),"
    " is_nullable, coalesce(column_default, '') FROM information_schema.columns"
    " WHERE table_schema = 'public'",
    "constraints": "SELECT conrelid::regclass::text, conname, contype::text,"
    " pg_get_constraintdef(oid), convalidated FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace",
    "indexes": "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid"
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " WHERE c.relnamespace = 'public'::regnamespace",
    "triggers": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    "functions": "SELECT proname, pg_get_function_identity_arguments(oid), md5(prosrc) FROM pg_proc"
    " WHERE pronamespace = 'public'::regnamespace",
    "extensions": "SELECT extname FROM pg_extension",
}


def catalog(url: str) -> dict[str, set[tuple[Any, ...]]]:
    """The schema as comparable sets (column order does not matter, names and shapes do)."""
    with psycopg.connect(url) as conn:
        return {key: {tuple(r) for r in conn.execute(sql)} for key, sql in CATALOG.items()}


def linked(url: str, column: str = "customer_ref") -> dict[UUID, UUID]:
    """Ticket id -> the customer it is linked to."""
    with psycopg.connect(url) as conn:
        return {r[0]: r[1] for r in conn.execute(f"SELECT id, {column} FROM service_tickets")}


NEW_DATA = [
    "SELECT md5(string_agg(md5(c::text), '' ORDER BY c.id)) FROM customers c",
    "SELECT md5(string_agg(md5(l::text), '' ORDER BY l.legacy_id)) FROM customer_legacy_ids l",
    "SELECT md5(string_agg(md5(k::text), '' ORDER BY k.id)) FROM customer_contacts k",
    "SELECT count(*)::text FROM customer_versions",
    "SELECT md5(string_agg(md5((r.kind, r.dedupe_key, r.customer_ids)::text), '' ORDER BY r.id))"
    " FROM legacy_review_items r",
    "SELECT md5(string_agg(md5((t.id, t.customer_ref)::text), '' ORDER BY t.id))"
    " FROM service_tickets t",
    "SELECT md5(string_agg(md5((e.id, e.customer_id, e.contact_id)::text), '' ORDER BY e.id))"
    " FROM equipment e",
]


def new_data_hash(url: str) -> list[str]:
    """Hashes of everything migrate writes (customers, history, links, reviews)."""
    with psycopg.connect(url) as conn:
        out = []
        for sql in NEW_DATA:
            row = conn.execute(sql).fetchone()
            out.append(str(row[0]) if row else "")
        return out
