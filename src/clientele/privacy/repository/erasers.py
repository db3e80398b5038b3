"""The per-table erasers of personal data (s.12 of the DPDP Act: erasure on request).

An erasure is a list of erasers, one per place the database holds personal values; each takes
the connection and the `Subject` and returns how many rows it overwrote. A new table that holds
personal data (issue 17's `events`) is one more entry in `CUSTOMER_ERASERS` / `CONTACT_ERASERS`.
Every statement has bound parameters; identifiers come from tables.py.
"""

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Text,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.privacy.domain import (
    CONTACT_PERSONAL_FIELDS,
    CUSTOMER_PERSONAL_FIELDS,
    ERASED_STATUS,
    Scrubber,
    erased_values,
)
from clientele.privacy.repository import LEGACY_PERSONAL_KEYS, archive_rows
from clientele.tables import (
    audit_events,
    customer_contacts,
    customer_legacy_ids,
    customers,
    duplicate_pairs,
    idempotency_keys,
    legacy_archive,
    legacy_review_items,
    merges,
    privacy_erasures,
    service_tickets,
)


@dataclass(frozen=True)
class Subject:
    """Whose data is being erased: a whole customer (with its contacts) or one contact."""

    customer_id: UUID
    contact_ids: tuple[UUID, ...]
    whole_customer: bool
    placeholder: str  # the customer's (or the contact's) new name
    scrubber: Scrubber
    actor: str
    names: frozenset[str] = frozenset()  # every name the customer had (search vocabulary)

    @property
    def ids(self) -> tuple[str, ...]:
        """The subject's ids as text, to find records that name it."""
        own = (str(self.customer_id),) if self.whole_customer else ()
        return own + tuple(str(c) for c in self.contact_ids)


# ---------------------------------------------------------------------------------------------
# Erasers: one per place the database holds personal values.

Eraser = Callable[[AsyncConnection, Subject], Awaitable[int]]


def _present(table_columns: Iterable[str], fields: Iterable[str]) -> list[str]:
    columns = set(table_columns)
    return [f for f in fields if f in columns]


async def erase_customer_row(conn: AsyncConnection, subject: Subject) -> int:
    """The customer row: placeholder name, personal fields emptied, status inactive. The history
    trigger records this as a version like any other write."""
    values: dict[str, Any] = erased_values(
        _present(customers.c.keys(), CUSTOMER_PERSONAL_FIELDS), name=subject.placeholder
    )
    values |= {
        "status": ERASED_STATUS,
        "version": customers.c.version + 1,
        "updated_by": subject.actor,
        "updated_at": func.now(),
    }
    # The event trigger (revision 0007) then emits `customer.erased` naming the fields, and
    # contact/ticket events of this transaction carry field names only, never the values.
    await conn.execute(text("SELECT set_config('clientele.event_type', 'customer.erased', true)"))
    result = await conn.execute(
        update(customers).where(customers.c.id == subject.customer_id).values(values)
    )
    return result.rowcount


async def erase_customer_versions(conn: AsyncConnection, subject: Subject) -> int:
    """Every history version of the customer: its personal values overwritten in place."""
    patch = erased_values(CUSTOMER_PERSONAL_FIELDS, name=subject.placeholder)
    patch.pop("blocked_reason")  # the SQL function keeps a set reason set (as '[erased]')
    changed = await conn.execute(
        text("SELECT clientele_customer_history_redact(:id, CAST(:patch AS jsonb))"),
        {"id": subject.customer_id, "patch": json.dumps(patch)},
    )
    return int(changed.scalar_one())


async def erase_filled_on_survivors(conn: AsyncConnection, subject: Subject) -> int:
    """Values a merge copied from this customer onto a survivor live on in the survivor's
    history (the versions while the merge stood): those versions lose exactly those values."""
    m = merges
    rows = (
        await conn.execute(
            select(m.c.survivor_id, m.c.filled_fields).where(
                m.c.duplicate_ids.contains([subject.customer_id])
            )
        )
    ).all()
    total = 0
    for survivor_id, filled in rows:
        for field, fill in filled.items():
            if fill.get("from_customer_id") != str(subject.customer_id):
                continue
            changed = await conn.execute(
                text(
                    "SELECT clientele_customer_history_redact("
                    ":id, CAST(:patch AS jsonb), CAST(:where AS jsonb))"
                ),
                {
                    "id": survivor_id,
                    "patch": json.dumps({field: None}),
                    "where": json.dumps({field: fill.get("value")}),
                },
            )
            total += int(changed.scalar_one())
    return total


_CONTACT_PLACEHOLDER = literal("Erased contact ") + func.left(cast(customer_contacts.c.id, Text), 8)


async def erase_contact_rows(conn: AsyncConnection, subject: Subject) -> int:
    """The contact rows: placeholder name, phones, e-mail and role emptied."""
    if not subject.contact_ids:
        return 0
    values: dict[str, Any] = erased_values(
        _present(customer_contacts.c.keys(), CONTACT_PERSONAL_FIELDS), name=""
    )
    values["name"] = _CONTACT_PLACEHOLDER
    values["updated_at"] = func.now()
    result = await conn.execute(
        update(customer_contacts)
        .where(customer_contacts.c.id.in_(subject.contact_ids))
        .values(values)
    )
    return result.rowcount


async def erase_contact_versions(conn: AsyncConnection, subject: Subject) -> int:
    """Every history version of those contacts."""
    total = 0
    for contact_id in subject.contact_ids:
        patch = erased_values(CONTACT_PERSONAL_FIELDS, name=f"Erased contact {str(contact_id)[:8]}")
        changed = await conn.execute(
            text("SELECT clientele_contact_history_redact(:id, CAST(:patch AS jsonb))"),
            {"id": contact_id, "patch": json.dumps(patch)},
        )
        total += int(changed.scalar_one())
    return total


async def erase_legacy_ids(conn: AsyncConnection, subject: Subject) -> int:
    """Legacy ids keep their normalized key (tickets of the old system still find the record);
    the spelling as typed is replaced by that key."""
    result = await conn.execute(
        update(customer_legacy_ids)
        .where(
            customer_legacy_ids.c.customer_id == subject.customer_id,
            customer_legacy_ids.c.original_value != customer_legacy_ids.c.legacy_id,
        )
        .values(original_value=customer_legacy_ids.c.legacy_id)
    )
    return result.rowcount


async def _rewrite_json(
    conn: AsyncConnection,
    table: Any,
    key_columns: Sequence[str],
    columns: Sequence[str],
    where: Any,
    change: Callable[[str, Any], Any],
) -> int:
    """Read the matching rows, change each column's value in Python, write back those that
    changed (the rows of one person: few)."""
    keys = [table.c[k] for k in key_columns]
    rows = (await conn.execute(select(*keys, *(table.c[c] for c in columns)).where(where))).all()
    written = 0
    for row in rows:
        values = {c: change(c, getattr(row, c)) for c in columns}
        if all(values[c] == getattr(row, c) for c in columns):
            continue
        condition = and_(*(table.c[k] == getattr(row, k) for k in key_columns))
        await conn.execute(update(table).where(condition).values(values))
        written += 1
    return written


async def erase_legacy_archive(conn: AsyncConnection, subject: Subject) -> int:
    """Legacy values archived at finalize (names and phones typed into tickets and equipment)."""

    def change(_: str, data: Any) -> Any:
        kept = {k: (None if k in LEGACY_PERSONAL_KEYS else v) for k, v in data.items()}
        return subject.scrubber.json(kept)

    where = archive_rows(
        subject.customer_id if subject.whole_customer else None, subject.contact_ids
    )
    return await _rewrite_json(
        conn, legacy_archive, ("table_name", "row_id"), ("data",), where, change
    )


def _scrub(subject: Subject) -> Callable[[str, Any], Any]:
    def change(_: str, value: Any) -> Any:
        return subject.scrubber.json(value)

    return change


async def erase_review_items(conn: AsyncConnection, subject: Subject) -> int:
    """The legacy review queue: summaries and evidence naming the person."""
    r = legacy_review_items
    where = r.c.customer_ids.contains([subject.customer_id])
    if subject.contact_ids:
        where = or_(where, r.c.subject_id.in_(subject.contact_ids))
    return await _rewrite_json(
        conn, r, ("id",), ("summary", "resolution", "evidence"), where, _scrub(subject)
    )


async def erase_duplicate_reasons(conn: AsyncConnection, subject: Subject) -> int:
    """Duplicate pairs' reasons (they quote the compared values)."""
    p = duplicate_pairs
    where = or_(p.c.customer_a == subject.customer_id, p.c.customer_b == subject.customer_id)
    return await _rewrite_json(
        conn, p, ("customer_a", "customer_b"), ("reasons",), where, _scrub(subject)
    )


async def erase_merge_records(conn: AsyncConnection, subject: Subject) -> int:
    """Merges' before/after images of the customer, and values filled from it."""
    key = str(subject.customer_id)
    patch = erased_values(CUSTOMER_PERSONAL_FIELDS, name=subject.placeholder)

    def change(column: str, value: Any) -> Any:
        if column in ("customers_before", "customers_after") and isinstance(value.get(key), dict):
            image = dict(value[key])
            image.update({f: v for f, v in patch.items() if f in image})
            if image.get("status") == "active":  # an image cannot be active without a phone
                image["status"] = ERASED_STATUS
            value = {**value, key: image}
        return subject.scrubber.json(value)

    m = merges
    where = or_(
        m.c.survivor_id == subject.customer_id, m.c.duplicate_ids.contains([subject.customer_id])
    )
    columns = ("customers_before", "customers_after", "filled_fields")
    return await _rewrite_json(conn, m, ("id",), columns, where, change)


async def erase_ticket_texts(conn: AsyncConnection, subject: Subject) -> int:
    """Tickets keep their link, number, status and dates; the person's values inside their
    title and description are replaced."""
    t = service_tickets

    def change(_: str, value: Any) -> Any:
        return None if value is None else subject.scrubber.text(value)

    where = t.c.customer_id == subject.customer_id
    return await _rewrite_json(conn, t, ("id",), ("title", "description"), where, change)


def _names_any_id(column: Any, ids: Sequence[str]) -> Any:
    return or_(False, *(func.strpos(column, i) > 0 for i in ids))


async def erase_idempotency_records(conn: AsyncConnection, subject: Subject) -> int:
    """Stored first answers that name the subject: their JSON scrubbed (the key still replays
    the scrubbed answer); an answer that is not JSON is deleted."""
    k = idempotency_keys
    body_text = func.convert_from(k.c.response_body, "UTF8")
    rows = (
        await conn.execute(
            select(k.c.caller, k.c.key, k.c.response_body).where(
                _names_any_id(body_text, subject.ids)
            )
        )
    ).all()
    written = 0
    for row in rows:
        where = and_(k.c.caller == row.caller, k.c.key == row.key)
        try:
            scrubbed = json.dumps(subject.scrubber.json(json.loads(row.response_body))).encode()
        except (ValueError, UnicodeDecodeError):
            await conn.execute(delete(k).where(where))
        else:
            await conn.execute(update(k).where(where).values(response_body=scrubbed))
        written += 1
    return written


async def erase_audit_payloads(conn: AsyncConnection, subject: Subject) -> int:
    """Audit events naming the subject: their target payload scrubbed (ids, actor, action and
    outcome stay)."""
    a = audit_events
    where = _names_any_id(cast(a.c.target, Text), subject.ids)
    return await _rewrite_json(conn, a, ("id",), ("target",), where, _scrub(subject))


async def erase_search_vocabulary(conn: AsyncConnection, subject: Subject) -> int:
    """Folded names (and their words) that only this customer's old names used. Runs after the
    row has its placeholder name. Words and typo variants of names still used by anyone stay."""
    names = subject.names
    if not names:
        return 0
    removed = await conn.execute(
        text(
            "WITH folded AS ("
            "  SELECT DISTINCT clientele_search_normalize(n) AS f"
            "    FROM unnest(CAST(:names AS text[])) AS n),"
            " gone AS ("
            "  DELETE FROM search_names AS s USING folded"
            "   WHERE s.search_name = folded.f"
            "     AND NOT EXISTS (SELECT 1 FROM customers AS c"
            "                      WHERE clientele_search_normalize(c.name) = s.search_name)"
            "  RETURNING s.search_name, s.terms),"
            " words AS (SELECT DISTINCT unnest(terms) AS w FROM gone)"
            " DELETE FROM search_terms AS t USING words"
            "  WHERE t.term = words.w"
            "    AND NOT EXISTS (SELECT 1 FROM search_names AS n"
            "                     WHERE n.terms @> ARRAY[t.term]"
            "                       AND n.search_name NOT IN (SELECT search_name FROM gone))"
        ),
        {"names": sorted(names)},
    )
    return removed.rowcount


# Change events (issue 17) keep old and new values for the retention period: an erasure keeps
# each event (ids, types, order) but leaves only the names of the fields that changed.
_SCRUB_EVENTS = """
UPDATE change_events e
   SET data = jsonb_build_object('fields', (SELECT coalesce(jsonb_agg(k ORDER BY k), '[]'::jsonb)
                                              FROM jsonb_object_keys(e.data -> 'changes') AS k))
              || CASE WHEN e.data ? 'merge' THEN jsonb_build_object('merge', e.data -> 'merge')
                      ELSE '{}'::jsonb END
 WHERE e.data ? 'changes' AND (:where:)
"""


async def erase_change_events(conn: AsyncConnection, subject: Subject) -> int:
    """Events of the customer (and of its contacts), and the merge fills it gave a survivor:
    their values go, the names of the changed fields stay."""
    if subject.whole_customer:
        where = (
            "e.customer_id = :customer OR (e.source = 'merge' AND e.customer_id IN"
            " (SELECT survivor_id FROM merges WHERE :customer = ANY (duplicate_ids)))"
        )
    else:
        where = "e.entity_type = 'contact' AND e.entity_id = ANY (:contacts)"
    result = await conn.execute(
        text(_SCRUB_EVENTS.replace(":where:", where)),
        {"customer": subject.customer_id, "contacts": list(subject.contact_ids)},
    )
    return result.rowcount


CUSTOMER_ERASERS: tuple[tuple[str, Eraser], ...] = (
    ("customers", erase_customer_row),
    ("customer_versions", erase_customer_versions),
    ("customer_contacts", erase_contact_rows),
    ("customer_contact_versions", erase_contact_versions),
    ("customer_legacy_ids", erase_legacy_ids),
    ("legacy_archive", erase_legacy_archive),
    ("legacy_review_items", erase_review_items),
    ("duplicate_pairs", erase_duplicate_reasons),
    ("survivor_versions", erase_filled_on_survivors),  # before merges: reads filled values
    ("merges", erase_merge_records),
    ("service_tickets", erase_ticket_texts),
    ("idempotency_keys", erase_idempotency_records),
    ("audit_events", erase_audit_payloads),
    ("search_vocabulary", erase_search_vocabulary),
    ("change_events", erase_change_events),  # the erasure's own event names fields only
)

CONTACT_ERASERS: tuple[tuple[str, Eraser], ...] = (
    ("customer_contacts", erase_contact_rows),
    ("customer_contact_versions", erase_contact_versions),
    ("legacy_archive", erase_legacy_archive),
    ("legacy_review_items", erase_review_items),
    ("idempotency_keys", erase_idempotency_records),
    ("audit_events", erase_audit_payloads),
    ("change_events", erase_change_events),
)


async def record_erasure(
    conn: AsyncConnection,
    *,
    subject_type: str,
    subject_id: UUID,
    customer_id: UUID,
    reason: str,
    request_ref: str,
    actor: str,
    counts: Mapping[str, int],
) -> tuple[UUID, datetime]:
    """Append the erasure's record; returns its id and time."""
    row = (
        await conn.execute(
            insert(privacy_erasures)
            .values(
                subject_type=subject_type,
                subject_id=subject_id,
                customer_id=customer_id,
                reason=reason,
                request_ref=request_ref,
                erased_by=actor,
                counts=dict(counts),
            )
            .returning(privacy_erasures.c.id, privacy_erasures.c.erased_at)
        )
    ).one()
    return row.id, row.erased_at
