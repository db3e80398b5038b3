"""Ticket use cases. Each opens the unit of work, applies domain rules, and commits once."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from clientele.auth.domain import Actor
from clientele.errors import NotFound
from clientele.pagination import Cursor, Page, page
from clientele.tickets import repository
from clientele.tickets.domain import (
    Priority,
    Ticket,
    TicketFilters,
    TicketView,
    check_customer_accepts_tickets,
    check_equipment_belongs,
)
from clientele.uow import UnitOfWork

# A taken number means numbers were stored without the sequence (demo, legacy data); after
# one resync the next number is free, so a second retry is only for a concurrent resync.
NUMBER_ATTEMPTS = 3


def _no_ticket(ticket_id: UUID) -> NotFound:
    return NotFound(f"no ticket with id {ticket_id}")


async def create_ticket(
    uow: UnitOfWork,
    *,
    customer_id: UUID,
    title: str,
    actor: Actor,
    equipment_id: UUID | None = None,
    description: str | None = None,
    priority: Priority = Priority.MEDIUM,
) -> TicketView:
    """Open a ticket for a customer, numbered by the server; `created_by` is the actor.

    Raises InvalidValue (title), CustomerCannotTakeTickets (unknown, blocked or merged
    customer), InvalidValue on `equipment_id` (unknown, or not that customer's).
    """
    ticket = Ticket.new(
        customer_id=customer_id,
        equipment_id=equipment_id,
        title=title,
        description=description,
        priority=priority,
        actor=actor.label,
    )
    async with uow:
        conn = uow.connection
        reference = await repository.load_reference(conn, customer_id, equipment_id)
        check_customer_accepts_tickets(customer_id, reference.standing if reference else None)
        assert reference is not None
        if equipment_id is not None:
            check_equipment_belongs(
                customer_id,
                equipment_id,
                exists=reference.equipment_exists,
                owner=reference.equipment_owner,
            )
        stored = None
        for _ in range(NUMBER_ATTEMPTS):
            stored = await repository.add(conn, ticket)
            if stored is not None:
                break
            await repository.skip_taken_numbers(conn)
        if stored is None:
            raise RuntimeError("no free ticket number after resynchronizing the sequence")
        await uow.commit()
    return TicketView(ticket=stored, customer=reference.summary)


async def get_ticket(uow: UnitOfWork, *, ticket_id: UUID) -> TicketView:
    """The ticket with its customer's summary. Raises NotFound."""
    async with uow:
        view = await repository.get_view(uow.connection, ticket_id)
    if view is None:
        raise _no_ticket(ticket_id)
    return view


async def update_ticket(
    uow: UnitOfWork, *, ticket_id: UUID, changes: Mapping[str, Any]
) -> TicketView:
    """Change title, description, priority or status. Raises NotFound, InvalidValue,
    InvalidTransition. Closing sets `closed_at`; reopening (status open) clears it.
    """
    async with uow:
        conn = uow.connection
        ticket = await repository.get_for_update(conn, ticket_id)
        if ticket is None:
            raise _no_ticket(ticket_id)
        changed = ticket.apply(changes, now=datetime.now(UTC))
        if changed:
            await repository.update(conn, ticket, fields=changed)
        view = await repository.get_view(conn, ticket_id)
        assert view is not None
        await uow.commit()
    return view


async def list_tickets(
    uow: UnitOfWork, *, filters: TicketFilters, cursor: Cursor | None, limit: int
) -> Page[TicketView]:
    """One page of tickets, newest first, in one query; `next_cursor` is None on the last."""
    async with uow:
        rows = await repository.list_page(uow.connection, filters, cursor=cursor, limit=limit + 1)
    return _page(rows, limit)


async def list_customer_tickets(
    uow: UnitOfWork, *, customer_id: UUID, filters: TicketFilters, cursor: Cursor | None, limit: int
) -> Page[TicketView]:
    """One page of a customer's tickets, newest first, in two queries. Raises NotFound."""
    async with uow:
        if not await repository.customer_exists(uow.connection, customer_id):
            raise NotFound(f"no customer with id {customer_id}")
        rows = await repository.list_page(uow.connection, filters, cursor=cursor, limit=limit + 1)
    return _page(rows, limit)


def _page(rows: list[TicketView], limit: int) -> Page[TicketView]:
    return page(rows, limit, lambda last: Cursor.after(last.ticket.created_at, last.ticket.id))


async def open_ticket_counts(uow: UnitOfWork, *, customer_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Open and in-progress tickets per customer (0 left out), in one query; none for no ids."""
    if not customer_ids:
        return {}
    async with uow.read_only():
        return await repository.open_counts(uow.connection, customer_ids)
