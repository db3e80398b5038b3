"""Report use cases: each opens a unit of work and runs one query."""

from uuid import UUID

from clientele.reports import repository
from clientele.reports.repository import (
    CounterDrift,
    CustomerTickets,
    Period,
    Place,
    TicketFrequency,
    TierOpenTickets,
)
from clientele.uow import UnitOfWork


async def top_customers(uow: UnitOfWork, *, period: Period, limit: int) -> list[CustomerTickets]:
    """The customers with the most tickets in the period, most first."""
    async with uow:
        return await repository.top_customers(uow.connection, period, limit=limit)


async def customers_with_more_tickets(
    uow: UnitOfWork, *, place: Place, period: Period, more_than: int, limit: int
) -> list[CustomerTickets]:
    """Customers in a city/state with more than `more_than` tickets, most first."""
    async with uow:
        return await repository.customers_with_more_tickets(
            uow.connection, place, period, more_than=more_than, limit=limit
        )


async def ticket_frequency(
    uow: UnitOfWork, *, place: Place, period: Period, customer_id: UUID | None, limit: int
) -> list[TicketFrequency]:
    """Tickets per month and the last ticket date, per customer, most frequent first."""
    async with uow:
        return await repository.ticket_frequency(
            uow.connection, place, period, customer_id=customer_id, limit=limit
        )


async def open_tickets_by_tier(uow: UnitOfWork) -> list[TierOpenTickets]:
    """Open and in-progress tickets per customer tier."""
    async with uow:
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
