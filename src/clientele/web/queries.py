"""Read-only queries the pages need and no service offers yet."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import func, select

from clientele.tables import service_tickets
from clientele.uow import UnitOfWork


async def open_ticket_counts(uow: UnitOfWork, *, customer_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Open and in-progress tickets per customer, for a page of search hits, in one query
    (served by the partial index ix_service_tickets_open_customer_id)."""
    if not customer_ids:
        return {}
    statement = (
        select(service_tickets.c.customer_id, func.count())
        .where(
            service_tickets.c.customer_id.in_(list(customer_ids)),
            service_tickets.c.status != "closed",
        )
        .group_by(service_tickets.c.customer_id)
    )
    async with uow:
        rows = (await uow.connection.execute(statement)).all()
    return {row[0]: int(row[1]) for row in rows}
