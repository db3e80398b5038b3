"""Personal data in the database: what is held about a person, legal holds, the export and the
access log (the per-table erasers are in erasers.py). Every statement has bound parameters;
identifiers come from tables.py.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import (
    and_,
    delete,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.tables import (
    customer_contact_versions,
    customer_contacts,
    customer_legacy_ids,
    customer_versions,
    customers,
    equipment,
    legacy_archive,
    personal_data_access_log,
    privacy_erasures,
    privacy_holds,
    service_tickets,
)

if TYPE_CHECKING:
    from clientele.privacy.access import Access

# Legacy columns that named the caller (legacy_archive of tickets and equipment, revision 0004).
LEGACY_PERSONAL_KEYS = (
    "customer_name",
    "customer_phone",
    "customer_whatsapp",
    "customer_contact_name",
    "customer_contact_phone",
    "customer_contact_email",
)
OPEN_TICKET_STATUSES = ("open", "in_progress")


# ---------------------------------------------------------------------------------------------
# What is held


async def merged_into(conn: AsyncConnection, customer_id: UUID) -> list[UUID]:
    """Customers merged into this one, directly or through others (the same person's records)."""
    rows = await conn.execute(
        text(
            "WITH RECURSIVE merged(id) AS ("
            "  SELECT id FROM customers WHERE merged_into_id = :id"
            "  UNION SELECT c.id FROM customers AS c JOIN merged AS m ON c.merged_into_id = m.id)"
            " SELECT id FROM merged ORDER BY id"
        ),
        {"id": customer_id},
    )
    return list(rows.scalars().all())


async def contact_ids_of(conn: AsyncConnection, customer_id: UUID) -> tuple[UUID, ...]:
    """Every contact the customer has or had (current rows and history)."""
    current = select(customer_contacts.c.id).where(customer_contacts.c.customer_id == customer_id)
    past = select(customer_contact_versions.c.contact_id).where(
        customer_contact_versions.c.customer_id == customer_id
    )
    rows = (await conn.execute(current.union(past))).scalars().all()
    return tuple(sorted(rows))


async def held_records(
    conn: AsyncConnection, *, customer_id: UUID | None, contact_ids: Sequence[UUID]
) -> list[Mapping[str, Any]]:
    """Every record holding the subject's values: rows, history images, legacy archives and
    legacy ids (for the scrubber; a fixed number of queries)."""
    found: list[Mapping[str, Any]] = []
    if customer_id is not None:
        row = (
            (await conn.execute(select(customers).where(customers.c.id == customer_id)))
            .mappings()
            .first()
        )
        if row is not None:
            found.append(dict(row))
        versions = select(customer_versions.c.row_data).where(
            customer_versions.c.customer_id == customer_id
        )
        found += [r for r in (await conn.execute(versions)).scalars().all()]
        legacy = select(customer_legacy_ids.c.original_value).where(
            customer_legacy_ids.c.customer_id == customer_id
        )
        found += [{"legacy_id": v} for v in (await conn.execute(legacy)).scalars().all()]
    if contact_ids:
        rows = select(customer_contacts).where(customer_contacts.c.id.in_(contact_ids))
        found += [dict(r) for r in (await conn.execute(rows)).mappings().all()]
        images = select(customer_contact_versions.c.row_data).where(
            customer_contact_versions.c.contact_id.in_(contact_ids)
        )
        found += list((await conn.execute(images)).scalars().all())
    archived = select(legacy_archive.c.data).where(archive_rows(customer_id, contact_ids))
    for data in (await conn.execute(archived)).scalars().all():
        found.append({k: data.get(k) for k in LEGACY_PERSONAL_KEYS if data.get(k) is not None})
    return found


def archive_rows(customer_id: UUID | None, contact_ids: Sequence[UUID]) -> Any:
    conditions = []
    if customer_id is not None:
        tickets = select(service_tickets.c.id).where(service_tickets.c.customer_id == customer_id)
        owned = select(equipment.c.id).where(equipment.c.customer_id == customer_id)
        conditions += [
            and_(
                legacy_archive.c.table_name == "service_tickets",
                legacy_archive.c.row_id.in_(tickets),
            ),
            and_(legacy_archive.c.table_name == "equipment", legacy_archive.c.row_id.in_(owned)),
            and_(
                legacy_archive.c.table_name == "customers", legacy_archive.c.row_id == customer_id
            ),
        ]
    if contact_ids:
        named = select(equipment.c.id).where(equipment.c.contact_id.in_(contact_ids))
        conditions.append(
            and_(legacy_archive.c.table_name == "equipment", legacy_archive.c.row_id.in_(named))
        )
    return or_(False, *conditions)


async def hold_facts(
    conn: AsyncConnection, customer_id: UUID
) -> tuple[int, datetime | None, str | None]:
    """Open tickets, when the last ticket closed, and an explicit hold's reason (one query)."""
    t = service_tickets
    open_count = (
        select(func.count())
        .where(t.c.customer_id == customer_id, t.c.status.in_(OPEN_TICKET_STATUSES))
        .scalar_subquery()
    )
    last_closed = (
        select(func.max(t.c.closed_at)).where(t.c.customer_id == customer_id).scalar_subquery()
    )
    hold = (
        select(privacy_holds.c.reason)
        .where(privacy_holds.c.customer_id == customer_id)
        .scalar_subquery()
    )
    row = (await conn.execute(select(open_count, last_closed, hold))).one()
    return int(row[0]), row[1], row[2]


# ---------------------------------------------------------------------------------------------
# The export (s.11): everything held, a fixed number of queries.


async def personal_data(conn: AsyncConnection, customer_id: UUID) -> dict[str, Any] | None:
    """The customer row, versions, contacts (with versions), tickets' ids and dates, legacy ids,
    holds and erasures of the customer; None for an unknown id."""
    row = (
        (await conn.execute(select(customers).where(customers.c.id == customer_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    v = customer_versions
    versions = (
        (
            await conn.execute(
                select(
                    func.lower(v.c.valid).label("valid_from"),
                    func.upper(v.c.valid).label("valid_to"),
                    v.c.operation,
                    v.c.source,
                    v.c.actor,
                    v.c.changed_fields,
                    v.c.row_data,
                )
                .where(v.c.customer_id == customer_id)
                .order_by(func.lower(v.c.valid))
            )
        )
        .mappings()
        .all()
    )
    contacts = (
        (
            await conn.execute(
                select(customer_contacts).where(customer_contacts.c.customer_id == customer_id)
            )
        )
        .mappings()
        .all()
    )
    cv = customer_contact_versions
    contact_versions = (
        (
            await conn.execute(
                select(
                    cv.c.contact_id,
                    func.lower(cv.c.valid).label("valid_from"),
                    func.upper(cv.c.valid).label("valid_to"),
                    cv.c.operation,
                    cv.c.actor,
                    cv.c.row_data,
                )
                .where(cv.c.customer_id == customer_id)
                .order_by(cv.c.contact_id, func.lower(cv.c.valid))
            )
        )
        .mappings()
        .all()
    )
    t = service_tickets
    tickets = (
        (
            await conn.execute(
                select(
                    t.c.id,
                    t.c.ticket_number,
                    t.c.status,
                    t.c.created_at,
                    t.c.updated_at,
                    t.c.closed_at,
                )
                .where(t.c.customer_id == customer_id)
                .order_by(t.c.created_at, t.c.id)
            )
        )
        .mappings()
        .all()
    )
    legacy = (
        (
            await conn.execute(
                select(customer_legacy_ids.c.legacy_id, customer_legacy_ids.c.original_value)
                .where(customer_legacy_ids.c.customer_id == customer_id)
                .order_by(customer_legacy_ids.c.legacy_id)
            )
        )
        .mappings()
        .all()
    )
    hold = (
        (
            await conn.execute(
                select(privacy_holds).where(privacy_holds.c.customer_id == customer_id)
            )
        )
        .mappings()
        .first()
    )
    erasures = (
        (
            await conn.execute(
                select(privacy_erasures)
                .where(privacy_erasures.c.customer_id == customer_id)
                .order_by(privacy_erasures.c.erased_at)
            )
        )
        .mappings()
        .all()
    )
    return {
        "record": dict(row),
        "versions": [dict(r) for r in versions],
        "contacts": [dict(r) for r in contacts],
        "contact_versions": [dict(r) for r in contact_versions],
        "tickets": [dict(r) for r in tickets],
        "legacy_ids": [dict(r) for r in legacy],
        "legal_hold": None if hold is None else dict(hold),
        "erasures": [dict(r) for r in erasures],
    }


# ---------------------------------------------------------------------------------------------
# Legal holds


async def place_hold(conn: AsyncConnection, customer_id: UUID, *, reason: str, actor: str) -> None:
    """Place (or replace) the explicit hold on a customer."""
    statement = pg_insert(privacy_holds).values(
        customer_id=customer_id, reason=reason, placed_by=actor
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[privacy_holds.c.customer_id],
            set_={"reason": reason, "placed_by": actor, "placed_at": func.now()},
        )
    )


async def release_hold(conn: AsyncConnection, customer_id: UUID) -> bool:
    """Remove the explicit hold; False when there was none."""
    result = await conn.execute(
        delete(privacy_holds).where(privacy_holds.c.customer_id == customer_id)
    )
    return result.rowcount > 0


# ---------------------------------------------------------------------------------------------
# The access log


# One statement with five array parameters: per-row work stays in PostgreSQL, not in the
# driver's parameter handling (an executemany of 500 rows cost ~25 us of Python per row).
_INSERT_ACCESS = text(
    "INSERT INTO personal_data_access_log"
    " (occurred_at, actor, action, customer_id, client_address)"
    " SELECT * FROM unnest(CAST(:occurred_at AS timestamptz[]), CAST(:actor AS text[]),"
    " CAST(:action AS text[]), CAST(:customer_id AS uuid[]), CAST(:client_address AS text[]))"
)


async def insert_access(conn: AsyncConnection, entries: Sequence["Access"]) -> None:
    """Write a batch of access entries (one statement)."""
    await conn.execute(
        _INSERT_ACCESS,
        {
            "occurred_at": [e.occurred_at for e in entries],
            "actor": [e.actor[:200] for e in entries],
            "action": [e.action for e in entries],
            "customer_id": [e.customer_id for e in entries],
            "client_address": [
                None if e.client_address is None else e.client_address[:64] for e in entries
            ],
        },
    )


@dataclass(frozen=True, slots=True)
class AccessEntry:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    client_address: str | None


async def access_entries(
    conn: AsyncConnection, customer_id: UUID, *, limit: int, before_id: int | None
) -> list[AccessEntry]:
    """Up to `limit` entries for the customer older than `before_id`, newest first."""
    a = personal_data_access_log
    statement = (
        select(a.c.id, a.c.occurred_at, a.c.actor, a.c.action, a.c.client_address)
        .where(a.c.customer_id == customer_id)
        .order_by(a.c.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        statement = statement.where(a.c.id < before_id)
    rows = (await conn.execute(statement)).all()
    return [AccessEntry(r.id, r.occurred_at, r.actor, r.action, r.client_address) for r in rows]


async def prune_access_log(conn: AsyncConnection, *, older_than: datetime) -> int:
    """Delete entries that occurred before `older_than`; returns how many."""
    a = personal_data_access_log
    result = await conn.execute(delete(a).where(a.c.occurred_at < older_than))
    return result.rowcount
