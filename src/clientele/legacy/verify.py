"""`clientele legacy verify`: the design doc's validation checklist (and more), as queries.

Each check is one query answering a number of offending rows (0 = holds) or a boolean. Works
after `migrate` (the uuid reference is `customer_ref`) and after `finalize` (`customer_id`).
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.
# ruff: noqa: S608, E501

from dataclasses import asdict, dataclass
from typing import Any

from clientele.legacy import ddl
from clientele.legacy.state import Conn, get_state, phase, table_exists

E164 = r"^\+[1-9][0-9]{6,14}$"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One checklist line: what was checked, whether it holds, and the evidence."""

    name: str
    ok: bool
    detail: str
    informational: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def _count(conn: Conn, sql: str, params: tuple[Any, ...] = ()) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _zero(conn: Conn, name: str, sql: str, what: str) -> CheckResult:
    n = _count(conn, sql)
    return CheckResult(name, n == 0, f"{n} {what}")


def _constraint_valid(conn: Conn, name: str) -> CheckResult:
    row = conn.execute(
        "SELECT c.convalidated FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = current_schema() AND c.conname = %s",
        (name,),
    ).fetchone()
    if row is None:
        return CheckResult(f"constraint {name}", False, "missing")
    return CheckResult(f"constraint {name}", bool(row[0]), "valid" if row[0] else "NOT VALID")


def verify(conn: Conn) -> list[CheckResult]:
    """Run every check on a migrated (or finalized) database; see `all_ok`."""
    stage = phase(conn)
    if stage not in ("expanded", "finalized"):
        return [CheckResult("migrated", False, f"database is in phase '{stage}': run migrate")]
    ref = ddl.TICKET_REF if stage == "expanded" else "customer_id"
    results: list[CheckResult] = []
    if stage == "expanded":
        done = get_state(conn, "migrate") == "done"
        results.append(CheckResult("migrate completed", done, "yes" if done else "run it again"))
    results += [
        _zero(conn, "every ticket linked to a customer",
              f"SELECT count(*) FROM service_tickets WHERE {ref} IS NULL", "unlinked tickets"),
        _zero(conn, "no ticket points at a missing customer",
              f"SELECT count(*) FROM service_tickets t WHERE {ref} IS NOT NULL AND NOT EXISTS"
              f" (SELECT FROM customers c WHERE c.id = t.{ref})", "orphan tickets"),
        _zero(conn, "no equipment points at a missing customer or contact",
              "SELECT count(*) FROM equipment e WHERE (e.customer_id IS NOT NULL AND NOT EXISTS"
              " (SELECT FROM customers c WHERE c.id = e.customer_id)) OR (e.contact_id IS NOT NULL"
              " AND NOT EXISTS (SELECT FROM customer_contacts k WHERE k.id = e.contact_id"
              " AND k.customer_id = e.customer_id))", "orphan or mismatched equipment rows"),
        _zero(conn, "no legacy id or contact points at a missing customer",
              "SELECT (SELECT count(*) FROM customer_legacy_ids l WHERE NOT EXISTS (SELECT FROM"
              " customers c WHERE c.id = l.customer_id)) + (SELECT count(*) FROM customer_contacts"
              " k WHERE NOT EXISTS (SELECT FROM customers c WHERE c.id = k.customer_id))",
              "orphan rows"),
        _constraint_valid(conn, "fk_service_tickets_customer_id_customers"),
        _constraint_valid(conn, "fk_equipment_customer_id_customers"),
        _constraint_valid(conn, "fk_equipment_contact_id_customer_contacts"),

        _zero(conn, "phones are E.164",
              "SELECT count(*) FROM customers WHERE primary_phone !~ %(re)s OR secondary_phone"
              " !~ %(re)s OR whatsapp_number !~ %(re)s".replace("%(re)s", f"'{E164}'"),
              "customers with a malformed phone"),
        _zero(conn, "contact phones are E.164",
              f"SELECT count(*) FROM customer_contacts WHERE phone !~ '{E164}'"
              f" OR whatsapp !~ '{E164}'", "contacts with a malformed phone"),
        _zero(conn, "every active customer has a phone",
              "SELECT count(*) FROM customers WHERE status = 'active' AND primary_phone IS NULL",
              "active customers without a phone"),
        _zero(conn, "no two active customers share a primary phone",
              "SELECT count(*) FROM (SELECT primary_phone FROM customers WHERE status = 'active'"
              " GROUP BY primary_phone HAVING count(*) > 1) AS s", "shared active phones"),
        _zero(conn, "every customer has exactly one current history version matching its row",
              "SELECT count(*) FROM customers c WHERE (SELECT count(*) FROM customer_versions v"
              " WHERE v.customer_id = c.id AND upper_inf(v.valid)) <> 1 OR NOT EXISTS (SELECT"
              " FROM customer_versions v WHERE v.customer_id = c.id AND upper_inf(v.valid) AND"
              " v.row_data->>'primary_phone' IS NOT DISTINCT FROM c.primary_phone AND"
              " v.row_data->>'name' = c.name)", "customers with broken history"),
        _zero(conn, "no invalid index (an interrupted CREATE INDEX CONCURRENTLY)",
              "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN"
              " pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
              " AND NOT i.indisvalid", "invalid indexes"),
    ]  # fmt: skip
    # Informational: the old application may re-type a ticket's customer while migrate runs,
    # leaving the customer it had without tickets; that is its data, not a migration fault.
    empty = _count(conn,
        f"SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT FROM service_tickets t"
        f" WHERE t.{ref} = c.id) AND NOT EXISTS (SELECT FROM equipment e WHERE"
        " e.customer_id = c.id) AND c.metadata ? 'legacy'")  # fmt: skip
    results.append(
        CheckResult(
            "migrated customers without tickets or equipment",
            True,
            f"{empty} (left behind when the old application re-typed a ticket)",
            informational=True,
        )
    )
    missing = [
        name
        for table in ddl.LEGACY_TABLES
        for name, _ in ddl.target_indexes(table)
        if _count(conn, "SELECT count(*) FROM pg_class WHERE relname = %s", (name,)) == 0
    ]
    results.append(
        CheckResult("target indexes present", not missing, ", ".join(missing) or "all present")
    )
    if stage == "expanded":
        results += [
            _zero(conn, "every legacy id typed on a ticket is a findable legacy id",
                  "SELECT count(DISTINCT clientele_legacy_id(t.customer_id)) FROM service_tickets t"
                  " WHERE clientele_legacy_id(t.customer_id) IS NOT NULL AND NOT EXISTS (SELECT"
                  " FROM customer_legacy_ids l WHERE l.legacy_id = clientele_legacy_id(t.customer_id))",
                  "legacy ids not findable"),
            _zero(conn, "tickets with a legacy id are linked to that id's customer",
                  f"SELECT count(*) FROM service_tickets t JOIN customer_legacy_ids l ON"
                  f" l.legacy_id = clientele_legacy_id(t.customer_id) JOIN customers c ON c.id ="
                  f" l.customer_id WHERE t.{ref} <> coalesce(c.merged_into_id, c.id)",
                  "tickets linked against their legacy id"),
            _constraint_valid(conn, ddl.REF_NOT_NULL),
            _zero(conn, "sync triggers installed",
                  "SELECT 2 - count(*) FROM pg_trigger WHERE tgname IN"
                  " ('clientele_legacy_tickets_sync', 'clientele_legacy_equipment_sync')",
                  "missing triggers"),
        ]  # fmt: skip
    else:
        n = _count(conn, "SELECT count(*) FROM legacy_archive")
        results.append(
            CheckResult("legacy values archived", True, f"{n} archived rows", informational=True)
        )
    if table_exists(conn, "legacy_review_items"):
        n = _count(conn, "SELECT count(*) FROM legacy_review_items WHERE status = 'open'")
        results.append(
            CheckResult("review queue", True, f"{n} open items for a person", informational=True)
        )
    return results


def all_ok(results: list[CheckResult]) -> bool:
    """True when every non-informational check holds."""
    return all(r.ok for r in results)
