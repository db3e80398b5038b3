"""The report queries. Each function runs exactly one SQL statement (docs/reports.md names
the index each one uses)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Float, and_, cast, func, literal, select
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.tables import customers, service_tickets
from clientele.tickets.domain import CustomerSummary
from clientele.tickets.repository import customer_summary_columns, to_customer_summary

# An average month (365.25 / 12 days), for tickets per month.
DAYS_PER_MONTH = 30.4375
# Best first (the design doc's vip > premium > standard), then customers without a tier.
TIER_ORDER = ("vip", "premium", "standard", None)


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class Place:
    city: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerTickets:
    customer: CustomerSummary
    ticket_count: int
    last_ticket_at: datetime


@dataclass(frozen=True, slots=True)
class TicketFrequency:
    customer: CustomerSummary
    ticket_count: int
    first_ticket_at: datetime
    last_ticket_at: datetime
    tickets_per_month: float


@dataclass(frozen=True, slots=True)
class TierOpenTickets:
    tier: str | None  # None: customers without a tier
    open: int
    in_progress: int
    total: int
    customers: int


def _in_period(period: Period) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if period.start is not None:
        conditions.append(service_tickets.c.created_at >= period.start)
    if period.end is not None:
        conditions.append(service_tickets.c.created_at < period.end)
    return conditions


def _in_place(place: Place) -> list[ColumnElement[bool]]:
    # lower(city) / lower(state) match the expression indexes ix_customers_city / _state.
    conditions: list[ColumnElement[bool]] = []
    if place.city is not None:
        conditions.append(func.lower(customers.c.city) == place.city.strip().lower())
    if place.state is not None:
        conditions.append(func.lower(customers.c.state) == place.state.strip().lower())
    return conditions


async def top_customers(
    conn: AsyncConnection, period: Period, *, limit: int
) -> list[CustomerTickets]:
    """The `limit` customers with the most tickets created in the period, most first.

    Tickets are counted per customer first (index-only on ix_service_tickets_customer_id),
    so only the winners are joined to customers.
    """
    t = service_tickets.c
    ticket_count = func.count().label("ticket_count")
    counts = (
        select(t.customer_id, ticket_count, func.max(t.created_at).label("last_ticket_at"))
        .where(and_(True, *_in_period(period)))
        .group_by(t.customer_id)
        .order_by(ticket_count.desc(), t.customer_id)
        .limit(limit)
        .subquery("counts")
    )
    statement = (
        select(*customer_summary_columns(), counts.c.ticket_count, counts.c.last_ticket_at)
        .join(customers, customers.c.id == counts.c.customer_id)
        .order_by(counts.c.ticket_count.desc(), counts.c.customer_id)
    )
    return [
        CustomerTickets(to_customer_summary(r), int(r["ticket_count"]), r["last_ticket_at"])
        for r in (await conn.execute(statement)).mappings()
    ]


async def customers_with_more_tickets(
    conn: AsyncConnection, place: Place, period: Period, *, more_than: int, limit: int
) -> list[CustomerTickets]:
    """Customers in the place with more than `more_than` tickets in the period, most first."""
    ticket_count = func.count(service_tickets.c.id).label("ticket_count")
    statement = (
        select(
            *customer_summary_columns(),
            ticket_count,
            func.max(service_tickets.c.created_at).label("last_ticket_at"),
        )
        .select_from(customers)
        .join(service_tickets, service_tickets.c.customer_id == customers.c.id)
        .where(and_(True, *_in_place(place), *_in_period(period)))
        .group_by(customers.c.id)
        .having(ticket_count > more_than)
        .order_by(ticket_count.desc(), customers.c.id)
        .limit(limit)
    )
    return [
        CustomerTickets(to_customer_summary(r), int(r["ticket_count"]), r["last_ticket_at"])
        for r in (await conn.execute(statement)).mappings()
    ]


async def ticket_frequency(
    conn: AsyncConnection,
    place: Place,
    period: Period,
    *,
    customer_id: UUID | None,
    limit: int,
) -> list[TicketFrequency]:
    """Per customer: tickets, first and last ticket, and tickets per month over the window.

    The window runs from the period's start (else the customer's first ticket in it) to the
    period's end (else now), and counts as at least one month, so a burst of three tickets
    last week reads as 3 a month, not 90.
    """
    t = service_tickets.c
    ticket_count = func.count(t.id)
    first = func.min(t.created_at)
    last = func.max(t.created_at)
    window_start = first if period.start is None else _instant(period.start)
    window_end = func.now() if period.end is None else _instant(period.end)
    months = func.greatest(
        func.extract("epoch", window_end - window_start) / (86400 * DAYS_PER_MONTH), 1.0
    )
    per_month = (cast(ticket_count, Float) / months).label("tickets_per_month")
    conditions = [*_in_place(place), *_in_period(period)]
    if customer_id is not None:
        conditions.append(customers.c.id == customer_id)
    statement = (
        select(
            *customer_summary_columns(),
            ticket_count.label("ticket_count"),
            first.label("first_ticket_at"),
            last.label("last_ticket_at"),
            per_month,
        )
        .select_from(customers)
        .join(service_tickets, t.customer_id == customers.c.id)
        .where(and_(True, *conditions))
        .group_by(customers.c.id)
        .order_by(per_month.desc(), last.desc(), customers.c.id)
        .limit(limit)
    )
    return [
        TicketFrequency(
            customer=to_customer_summary(r),
            ticket_count=int(r["ticket_count"]),
            first_ticket_at=r["first_ticket_at"],
            last_ticket_at=r["last_ticket_at"],
            tickets_per_month=round(float(r["tickets_per_month"]), 3),
        )
        for r in (await conn.execute(statement)).mappings()
    ]


def _instant(moment: datetime) -> Any:
    return literal(moment, TIMESTAMP(timezone=True))


async def open_tickets_by_tier(conn: AsyncConnection) -> list[TierOpenTickets]:
    """Not-closed tickets per customer tier (every tier listed, zeros included), best tier
    first, customers without a tier last. Reads only the partial index of open tickets, then
    their customers."""
    t = service_tickets.c
    statement = (
        select(
            customers.c.tier,
            func.count().filter(t.status == "open").label("open"),
            func.count().filter(t.status == "in_progress").label("in_progress"),
            func.count().label("total"),
            func.count(t.customer_id.distinct()).label("customers"),
        )
        .select_from(service_tickets)
        .join(customers, customers.c.id == t.customer_id)
        .where(t.status != "closed")
        .group_by(customers.c.tier)
    )
    found = {r["tier"]: r for r in (await conn.execute(statement)).mappings()}
    return [
        TierOpenTickets(
            tier=tier,
            open=int(found[tier]["open"]) if tier in found else 0,
            in_progress=int(found[tier]["in_progress"]) if tier in found else 0,
            total=int(found[tier]["total"]) if tier in found else 0,
            customers=int(found[tier]["customers"]) if tier in found else 0,
        )
        for tier in TIER_ORDER
    ]
