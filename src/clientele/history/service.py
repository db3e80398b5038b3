"""History use cases: read-only, each in one unit of work with a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from clientele.customers.domain import Customer
from clientele.errors import NotFound
from clientele.history import repository
from clientele.history.domain import (
    HistoryCursor,
    TimelineEvent,
    VersionChanges,
    timeline,
    with_changes,
)
from clientele.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class HistoryPage:
    items: list[VersionChanges]
    next_cursor: str | None


async def get_customer_as_of(uow: UnitOfWork, *, customer_id: UUID, at: datetime) -> Customer:
    """The customer as it was at `at` (one indexed query). Raises NotFound when it did not
    exist then: not yet created, deleted, or never."""
    async with uow:
        customer = await repository.customer_as_of(uow.connection, customer_id, at)
    if customer is None:
        raise NotFound(f"customer {customer_id} did not exist at {at.isoformat()}")
    return customer


async def customer_history(
    uow: UnitOfWork, *, customer_id: UUID, cursor: HistoryCursor | None, limit: int
) -> HistoryPage:
    """One page of a customer's versions, newest first, with what each write changed.

    Raises NotFound when the customer has no history at all (no such customer).
    """
    async with uow:
        rows = await repository.versions_page(
            uow.connection,
            customer_id,
            before=None if cursor is None else cursor.valid_from,
            limit=limit + 1,
        )
    if not rows and cursor is None:
        raise NotFound(f"no customer with id {customer_id}")
    items = [with_changes(version, previous) for version, previous in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = HistoryCursor(items[-1].version.valid_from).encode()
    return HistoryPage(items=items, next_cursor=next_cursor)


async def customer_timeline(
    uow: UnitOfWork, *, customer_id: UUID, limit: int
) -> list[TimelineEvent]:
    """The newest `limit` timeline events (two queries). Raises NotFound for an unknown id."""
    async with uow:
        rows = await repository.versions_page(uow.connection, customer_id, before=None, limit=None)
        contacts = await repository.contact_versions(uow.connection, customer_id)
    if not rows:
        raise NotFound(f"no customer with id {customer_id}")
    versions = [with_changes(version, previous) for version, previous in rows]
    return timeline(versions, contacts)[:limit]
