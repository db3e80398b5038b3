"""Report use cases: each opens a unit of work and runs one query. A report run is an admin
read: audited as `actor` through `audit_uow` (writable; the report itself may read a replica)."""

from typing import Any
from uuid import UUID

from clientele.audit import trail
from clientele.reports import repository
from clientele.reports.domain import Period, Place
from clientele.reports.repository import (
    CounterDrift,
    CustomerTickets,
    TicketFrequency,
    TierOpenTickets,
)
from clientele.uow import UnitOfWork


def _asked(period: Period, place: Place | None = None, **more: Any) -> dict[str, Any]:
    """What a run asked for, as the audit event's target."""
    asked = {"from": period.start, "to": period.end, **more}
    if place is not None:
        asked.update(city=place.city, state=place.state)
    return {k: str(v) for k, v in asked.items() if v is not None}


async def top_customers(
    uow: UnitOfWork, *, period: Period, limit: int, actor: str, audit_uow: UnitOfWork
) -> list[CustomerTickets]:
    """The customers with the most tickets in the period, most first."""
    target = _asked(period, limit=limit)
    async with (
        trail.admin_read(audit_uow, actor=actor, action="reports.top_customers", target=target),
        uow,
    ):
        return await repository.top_customers(uow.connection, period, limit=limit)


async def customers_with_more_tickets(
    uow: UnitOfWork,
    *,
    place: Place,
    period: Period,
    more_than: int,
    limit: int,
    actor: str,
    audit_uow: UnitOfWork,
) -> list[CustomerTickets]:
    """Customers in a city/state with more than `more_than` tickets, most first."""
    target = _asked(period, place, more_than=more_than, limit=limit)
    async with (
        trail.admin_read(audit_uow, actor=actor, action="reports.customers", target=target),
        uow,
    ):
        return await repository.customers_with_more_tickets(
            uow.connection, place, period, more_than=more_than, limit=limit
        )


async def ticket_frequency(
    uow: UnitOfWork,
    *,
    place: Place,
    period: Period,
    customer_id: UUID | None,
    limit: int,
    actor: str,
    audit_uow: UnitOfWork,
) -> list[TicketFrequency]:
    """Tickets per month and the last ticket date, per customer, most frequent first."""
    target = _asked(period, place, customer_id=customer_id, limit=limit)
    async with (
        trail.admin_read(audit_uow, actor=actor, action="reports.ticket_frequency", target=target),
        uow,
    ):
        return await repository.ticket_frequency(
            uow.connection, place, period, customer_id=customer_id, limit=limit
        )


async def open_tickets_by_tier(
    uow: UnitOfWork, *, actor: str, audit_uow: UnitOfWork
) -> list[TierOpenTickets]:
    """Open and in-progress tickets per customer tier."""
    async with (
        trail.admin_read(audit_uow, actor=actor, action="reports.open_tickets_by_tier"),
        uow,
    ):
        return await repository.open_tickets_by_tier(uow.connection)


async def check_counters(uow: UnitOfWork) -> CounterDrift:
    """How far the kept ticket counters and monthly rollup are from a recount (reads only)."""
    async with uow:
        return await repository.counter_drift(uow.connection)


async def repair_counters(uow: UnitOfWork) -> CounterDrift:
    """Recount and rewrite the kept counters and rollup where they differ; what differed.

    Ticket writers wait until the repair commits (a SHARE lock on service_tickets)."""
    async with uow:
        drift = await repository.repair_counters(uow.connection)
        await uow.commit()
        return drift
