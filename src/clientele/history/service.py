"""History use cases: read-only, each in one unit of work with a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
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

if TYPE_CHECKING:
    from clientele.privacy.access import Reader


@dataclass(frozen=True, slots=True)
class HistoryPage:
    items: list[VersionChanges]
    next_cursor: str | None


async def get_customer_as_of(
    uow: UnitOfWork, *, customer_id: UUID, at: datetime, reader: "Reader | None" = None
) -> Customer:
    """The customer as it was at `at` (one indexed query). Raises NotFound when it did not
    exist then: not yet created, deleted, or never."""
    async with uow:
        customer = await repository.customer_as_of(uow.connection, customer_id, at)
    if customer is None:
        raise NotFound(f"customer {customer_id} did not exist at {at.isoformat()}")
    if reader is not None:
        reader.saw(customer.id, customer.customer_type, "record_as_of")
    return customer


async def customer_history(
    uow: UnitOfWork,
    *,
    customer_id: UUID,
    cursor: HistoryCursor | None,
    limit: int,
    reader: "Reader | None" = None,
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
    if reader is not None and rows:
        reader.saw(customer_id, str(rows[0][0].row.get("customer_type")), "history")
    items = [with_changes(version, previous) for version, previous in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = HistoryCursor(items[-1].version.valid_from).encode()
    return HistoryPage(items=items, next_cursor=next_cursor)


async def customer_timeline(
    uow: UnitOfWork, *, customer_id: UUID, limit: int, reader: "Reader | None" = None
) -> list[TimelineEvent]:
    """The newest `limit` timeline events (two queries). Raises NotFound for an unknown id."""
    async with uow:
        rows = await repository.versions_page(uow.connection, customer_id, before=None, limit=None)
        contacts = await repository.contact_versions(uow.connection, customer_id)
    if not rows:
        raise NotFound(f"no customer with id {customer_id}")
    if reader is not None:
        reader.saw(customer_id, str(rows[0][0].row.get("customer_type")), "timeline")
    versions = [with_changes(version, previous) for version, previous in rows]
    return timeline(versions, contacts)[:limit]
