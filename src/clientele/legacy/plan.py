"""`clientele legacy plan`: what `migrate` would do, from a read-only look at the data."""

from collections import Counter
from typing import Any

from clientele.legacy import ddl
from clientele.legacy.migrate import compute_resolution
from clientele.legacy.records import Resolution
from clientele.legacy.state import Conn, phase, table_exists


def build_plan(conn: Conn) -> dict[str, Any]:
    """The plan as a JSON-ready dict: counts, and every conflict with its resolution.

    Reads only (one REPEATABLE READ, READ ONLY transaction); raises MigrationError when the
    legacy tables are missing.
    """
    for table in ddl.LEGACY_TABLES:
        if not table_exists(conn, table):
            raise ddl.MigrationError(f"table {table} not found: is this the legacy database?")
    plan = compute_resolution(conn)
    return describe(plan, phase=phase(conn), existing=_existing_customer_ids(conn))


def _existing_customer_ids(conn: Conn) -> set[str]:
    if not table_exists(conn, "customers"):
        return set()
    return {str(r[0]) for r in conn.execute("SELECT id FROM customers")}


def describe(plan: Resolution, *, phase: str, existing: set[str]) -> dict[str, Any]:
    """A JSON-ready summary of a resolution."""
    new = [c for c in plan.customers if str(c.id) not in existing]
    kinds = Counter(r.kind for r in plan.reviews)
    return {
        "phase": phase,
        "customers": {
            "planned": len(plan.customers),
            "to_create": len(new),
            "active": sum(c.status == "active" for c in plan.customers),
            "inactive": sum(c.status == "inactive" for c in plan.customers),
            "with_legacy_id": sum(bool(c.legacy_ids) for c in plan.customers),
            "legacy_ids": sum(len(c.legacy_ids) for c in plan.customers),
            "history_versions": sum(len(c.timeline) for c in plan.customers),
            "phone_changes": sum(max(len(c.timeline) - 1, 0) for c in plan.customers),
        },
        "tickets": {"to_link": len(plan.ticket_customer)},
        "equipment": {"to_link": len(plan.equipment_customer), "contacts": len(plan.contacts)},
        "conflicts_by_kind": dict(sorted(kinds.items())),
        "conflicts": [
            {
                "kind": r.kind,
                "summary": r.summary,
                "resolution": r.resolution,
                "customers": [
                    {"id": str(plan.by_key[k].id), "name": plan.by_key[k].name}
                    for k in r.customer_keys
                    if k in plan.by_key
                ],
                "subject": (
                    {"table": r.subject_table, "id": str(r.subject_id)} if r.subject_table else None
                ),
                "evidence": r.evidence,
            }
            for r in plan.reviews
        ],
    }
