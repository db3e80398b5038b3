"""Report use cases: each opens a unit of work and runs one query. A report run is an admin
read: audited as `actor` through `audit_uow` (writable; the report itself may read a replica)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.audit import trail
from clientele.reports import repair_repository, repository
from clientele.reports.domain import Period, Place
from clientele.reports.repair_repository import CounterDrift
from clientele.reports.repository import (
    CustomerTickets,
    TicketFrequency,
    TierOpenTickets,
)
from clientele.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Run:
    """A report run: where it reads (`uow`, maybe a replica) and who asked (`actor`, audited
    through the writable `audit_uow`)."""

    uow: UnitOfWork
    actor: str
    audit_uow: UnitOfWork


def _asked(period: Period, place: Place | None = None, **more: Any) -> dict[str, Any]:
    """What a run asked for, as the audit event's target."""
    asked = {"from": period.start, "to": period.end, **more}
    if place is not None:
        asked.update(city=place.city, state=place.state)
    return {k: str(v) for k, v in asked.items() if v is not None}


@asynccontextmanager
async def _audited(
    run: Run, action: str, target: dict[str, Any] | None = None
) -> AsyncIterator[AsyncConnection]:
    """The run's connection, inside its unit of work, with the admin read recorded."""
    audit = trail.admin_read(run.audit_uow, actor=run.actor, action=action, target=target)
    async with audit, run.uow:
        yield run.uow.connection


async def top_customers(run: Run, *, period: Period, limit: int) -> list[CustomerTickets]:
    """The customers with the most tickets in the period, most first."""
    target = _asked(period, limit=limit)
    async with _audited(run, "reports.top_customers", target) as connection:
        return await repository.top_customers(connection, period, limit=limit)


async def customers_with_more_tickets(
    run: Run, *, place: Place, period: Period, more_than: int, limit: int
) -> list[CustomerTickets]:
    """Customers in a city/state with more than `more_than` tickets, most first."""
    target = _asked(period, place, more_than=more_than, limit=limit)
    async with _audited(run, "reports.customers", target) as connection:
        return await repository.customers_with_more_tickets(
            connection, place, period, more_than=more_than, limit=limit
        )


async def ticket_frequency(
    run: Run, *, place: Place, period: Period, customer_id: UUID | None, limit: int
) -> list[TicketFrequency]:
    """Tickets per month and the last ticket date, per customer, most frequent first."""
    target = _asked(period, place, customer_id=customer_id, limit=limit)
    async with _audited(run, "reports.ticket_frequency", target) as connection:
        return await repository.ticket_frequency(
            connection, place, period, customer_id=customer_id, limit=limit
        )


async def open_tickets_by_tier(run: Run) -> list[TierOpenTickets]:
    """Open and in-progress tickets per customer tier."""
    async with _audited(run, "reports.open_tickets_by_tier") as connection:
        return await repository.open_tickets_by_tier(connection)


async def check_counters(uow: UnitOfWork) -> CounterDrift:
    """How far the kept ticket counters and monthly rollup are from a recount (reads only)."""
    async with uow:
        return await repair_repository.counter_drift(uow.connection)


async def repair_counters(uow: UnitOfWork) -> CounterDrift:
    """Recount and rewrite the kept counters and rollup where they differ; what differed.

    Ticket writers wait until the repair commits (a SHARE lock on service_tickets)."""
    async with uow:
        drift = await repair_repository.repair_counters(uow.connection)
        await uow.commit()
        return drift
