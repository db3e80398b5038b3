"""Ticket persistence: each function runs one SQL statement; rows map explicitly."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Label,
    RowMapping,
    Text,
    and_,
    cast,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.pagination import Cursor
from clientele.tables import customers, equipment, service_tickets
from clientele.tickets.domain import (
    CustomerStanding,
    CustomerSummary,
    Priority,
    Ticket,
    TicketFilters,
    TicketStatus,
    TicketView,
)

NUMBER_SEQUENCE = "service_tickets_number_seq"
# Ticket numbers carry the year in India Standard Time: a ticket raised at 00:30 IST on
# 1 January belongs to the new year's desk, whatever the server's time zone.
NUMBER_TIME_ZONE = "Asia/Kolkata"

STORED_FIELDS = (
    "id",
    "customer_id",
    "equipment_id",
    "title",
    "description",
    "status",
    "priority",
    "created_by",
)


def customer_summary_columns() -> list[Label[Any]]:
    """The customer columns a summary needs, labelled `customer_*` (for joins)."""
    return [
        customers.c.id.label("customer_summary_id"),
        customers.c.name.label("customer_name"),
        customers.c.primary_phone.label("customer_primary_phone"),
        customers.c.city.label("customer_city"),
        customers.c.state.label("customer_state"),
        customers.c.tier.label("customer_tier"),
        customers.c.status.label("customer_status"),
    ]


def to_customer_summary(row: RowMapping) -> CustomerSummary:
    """The summary from a row selected with `customer_summary_columns()`."""
    return CustomerSummary(
        id=row["customer_summary_id"],
        name=row["customer_name"],
        primary_phone=row["customer_primary_phone"],
        city=row["customer_city"],
        state=row["customer_state"],
        tier=row["customer_tier"],
        status=row["customer_status"],
    )


def _to_ticket(row: RowMapping) -> Ticket:
    return Ticket(
        id=row["id"],
        ticket_number=row["ticket_number"],
        customer_id=row["customer_id"],
        equipment_id=row["equipment_id"],
        title=row["title"],
        description=row["description"],
        status=TicketStatus(row["status"]),
        priority=Priority(row["priority"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
    )


def _to_view(row: RowMapping) -> TicketView:
    return TicketView(ticket=_to_ticket(row), customer=to_customer_summary(row))


def _with_customer() -> Any:
    return select(service_tickets, *customer_summary_columns()).join(
        customers, customers.c.id == service_tickets.c.customer_id
    )


@dataclass(frozen=True, slots=True)
class Reference:
    """The referenced customer's standing and summary, and the referenced equipment's owner."""

    standing: CustomerStanding
    summary: CustomerSummary
    equipment_exists: bool
    equipment_owner: UUID | None


async def load_reference(
    conn: AsyncConnection, customer_id: UUID, equipment_id: UUID | None
) -> Reference | None:
    """The customer (share-locked, so it cannot be blocked or merged until we commit) and the
    equipment's owner, in one statement; None when no customer has this id.
    """
    eq = equipment.alias("eq")
    statement = (
        select(
            customers.c.status,
            customers.c.blocked_reason,
            customers.c.merged_into_id,
            *customer_summary_columns(),
            eq.c.id.label("equipment_found"),
            eq.c.customer_id.label("equipment_owner"),
        )
        .select_from(customers)
        .outerjoin(eq, eq.c.id == literal(equipment_id, PgUUID(as_uuid=True)))
        .where(customers.c.id == customer_id)
        .with_for_update(read=True, of=customers)
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        return None
    return Reference(
        standing=CustomerStanding(
            id=customer_id,
            status=row["status"],
            blocked_reason=row["blocked_reason"],
            merged_into_id=row["merged_into_id"],
        ),
        summary=to_customer_summary(row),
        equipment_exists=row["equipment_found"] is not None,
        equipment_owner=row["equipment_owner"],
    )


def _next_number() -> ColumnElement[str]:
    # One nextval per row. Six digits at least (TKT-2026-000123), more when the sequence
    # outgrows them: pad to 12, then drop up to six leading zeros.
    sequence = func.nextval(NUMBER_SEQUENCE)
    padded = func.lpad(cast(sequence, Text), 12, "0")
    year = func.to_char(func.timezone(NUMBER_TIME_ZONE, func.now()), "YYYY")
    return func.concat("TKT-", year, "-", func.regexp_replace(padded, "^0{0,6}", ""))


async def add(conn: AsyncConnection, ticket: Ticket) -> Ticket | None:
    """Insert the ticket with a fresh number; None when that number is already taken
    (numbers loaded by the legacy migration or the demo). The customer must exist.
    """
    values: dict[str, Any] = {name: getattr(ticket, name) for name in STORED_FIELDS}
    values["ticket_number"] = _next_number()
    statement = (
        insert(service_tickets)
        .values(values)
        .on_conflict_do_nothing(index_elements=[service_tickets.c.ticket_number])
        .returning(service_tickets)
    )
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else _to_ticket(row)


async def skip_taken_numbers(conn: AsyncConnection) -> None:
    """Move the number sequence past every TKT-YYYY-N number already stored (a full scan;
    needed only after numbers were written without the sequence).
    """
    await conn.execute(
        text(
            "SELECT setval(:seq, greatest(nextval(:seq), coalesce(("
            "  SELECT max(substring(ticket_number FROM '^TKT-[0-9]{4}-([0-9]{1,15})$')::bigint)"
            "  FROM service_tickets), 0) + 1))"
        ),
        {"seq": NUMBER_SEQUENCE},
    )


async def get_view(conn: AsyncConnection, ticket_id: UUID) -> TicketView | None:
    """The ticket with its customer's summary, or None."""
    statement = _with_customer().where(service_tickets.c.id == ticket_id)
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else _to_view(row)


async def get_for_update(conn: AsyncConnection, ticket_id: UUID) -> Ticket | None:
    """The ticket, row-locked until the transaction ends (status changes do not race)."""
    statement = select(service_tickets).where(service_tickets.c.id == ticket_id).with_for_update()
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else _to_ticket(row)


async def update(conn: AsyncConnection, ticket: Ticket, *, fields: set[str]) -> None:
    """Store only `fields` of the ticket and touch `updated_at`."""
    values: dict[str, Any] = {name: getattr(ticket, name) for name in sorted(fields)}
    for name in ("status", "priority"):
        if name in values:
            values[name] = values[name].value
    statement = (
        service_tickets.update()
        .where(service_tickets.c.id == ticket.id)
        .values(**values, updated_at=func.now())
    )
    await conn.execute(statement)


def _conditions(filters: TicketFilters) -> list[ColumnElement[bool]]:
    t = service_tickets.c
    conditions: list[ColumnElement[bool]] = []
    if filters.customer_id is not None:
        conditions.append(t.customer_id == filters.customer_id)
    if filters.status is not None:
        conditions.append(t.status == filters.status.value)
    if filters.priority is not None:
        conditions.append(t.priority == filters.priority.value)
    if filters.equipment_id is not None:
        conditions.append(t.equipment_id == filters.equipment_id)
    if filters.created_from is not None:
        conditions.append(t.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(t.created_at < filters.created_to)
    return conditions


async def list_page(
    conn: AsyncConnection, filters: TicketFilters, *, cursor: Cursor | None, limit: int
) -> list[TicketView]:
    """Up to `limit` tickets matching the filters, newest first, after `cursor`, each with its
    customer's summary: one statement whatever the page size.
    """
    conditions = _conditions(filters)
    if cursor is not None:
        conditions.append(
            tuple_(service_tickets.c.created_at, service_tickets.c.id)
            < tuple_(literal(cursor.created_at), literal(cursor.id))
        )
    statement = (
        _with_customer()
        .where(and_(True, *conditions))
        .order_by(service_tickets.c.created_at.desc(), service_tickets.c.id.desc())
        .limit(limit)
    )
    return [_to_view(row) for row in (await conn.execute(statement)).mappings()]


async def customer_exists(conn: AsyncConnection, customer_id: UUID) -> bool:
    """True when a customer (of any status) has this id."""
    statement = select(customers.c.id).where(customers.c.id == customer_id)
    return (await conn.execute(statement)).first() is not None


async def open_counts(conn: AsyncConnection, customer_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Open and in-progress tickets per customer, in one query (served by the partial index
    ix_service_tickets_open_customer_id); customers without any are left out."""
    statement = (
        select(service_tickets.c.customer_id, func.count())
        .where(
            service_tickets.c.customer_id.in_(list(customer_ids)),
            service_tickets.c.status != "closed",
        )
        .group_by(service_tickets.c.customer_id)
    )
    return {row[0]: int(row[1]) for row in (await conn.execute(statement)).all()}
