"""Ticket routes: /api/v1/tickets and /api/v1/customers/{customer_id}/tickets."""

from dataclasses import replace
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from clientele.deps import Agent, UoW, Viewer
from clientele.listing import Paging, page_read
from clientele.openapi import COMMON_ERRORS, NO_CUSTOMER, Responses, problem_response
from clientele.tickets import service
from clientele.tickets.domain import Priority, TicketFilters, TicketStatus
from clientele.tickets.period import checked_range, parse_day_or_instant, range_end, range_start
from clientele.tickets.schemas import TicketCreate, TicketPageRead, TicketRead, TicketUpdate
from clientele.validation import DAY_OR_INSTANT_PATTERN, documented

router = APIRouter(tags=["tickets"])

NO_TICKET: Responses = {404: problem_response("No ticket with this id.")}


async def _filters(
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    equipment_id: UUID | None = None,
    created_from: Annotated[
        str | None,
        Query(
            max_length=64,
            json_schema_extra=documented(DAY_OR_INSTANT_PATTERN),
            description="Created at or after: a day (00:00 IST) or an RFC 3339 time.",
            examples=["2026-01-01"],
        ),
    ] = None,
    created_to: Annotated[
        str | None,
        Query(
            max_length=64,
            json_schema_extra=documented(DAY_OR_INSTANT_PATTERN),
            description="Created on or before this day (IST), or before this RFC 3339 time.",
            examples=["2026-01-31"],
        ),
    ] = None,
) -> TicketFilters:
    start, end = checked_range(
        range_start(parse_day_or_instant(created_from, field="created_from")),
        range_end(parse_day_or_instant(created_to, field="created_to")),
        field="created_to",
    )
    return TicketFilters(
        status=status,
        priority=priority,
        equipment_id=equipment_id,
        created_from=start,
        created_to=end,
    )


Filters = Annotated[TicketFilters, Depends(_filters)]


@router.post(
    "/tickets",
    status_code=status.HTTP_201_CREATED,
    summary="Open a ticket for a customer",
    responses={
        **COMMON_ERRORS,
        422: problem_response(
            "A field is invalid, or the customer is unknown, blocked or merged (`reason`; "
            "`merged_into_id` names the customer to use), or the equipment is not theirs."
        ),
    },
)
async def create_ticket(
    body: TicketCreate, uow: UoW, actor: Agent, response: Response
) -> TicketRead:
    """Open a ticket. Its number (`TKT-2026-000123`) is given by the server; `Location`
    names it; the answer embeds the customer's summary."""
    view = await service.create_ticket(
        uow,
        customer_id=body.customer_id,
        equipment_id=body.equipment_id,
        title=body.title,
        description=body.description,
        priority=body.priority,
        actor=actor,
    )
    response.headers["Location"] = f"/api/v1/tickets/{view.ticket.id}"
    return TicketRead.of(view)


@router.get("/tickets", summary="List tickets", responses=COMMON_ERRORS)
async def list_tickets(
    uow: UoW,
    actor: Viewer,
    paging: Paging,
    filters: Filters,
    customer_id: UUID | None = None,
) -> TicketPageRead:
    """Tickets matching every filter, newest first, each with its customer's summary
    (one query per page, whatever its size)."""
    filters = replace(filters, customer_id=customer_id)
    page = await service.list_tickets(
        uow, filters=filters, cursor=paging.cursor, limit=paging.limit
    )
    return page_read(TicketPageRead, page, TicketRead.of)


@router.get(
    "/tickets/{ticket_id}", summary="Get a ticket", responses={**COMMON_ERRORS, **NO_TICKET}
)
async def get_ticket(ticket_id: UUID, uow: UoW, actor: Viewer) -> TicketRead:
    """One ticket with its customer's current summary."""
    return TicketRead.of(await service.get_ticket(uow, ticket_id=ticket_id))


@router.patch(
    "/tickets/{ticket_id}",
    summary="Change a ticket's status, priority, title or description",
    responses={
        **COMMON_ERRORS,
        **NO_TICKET,
        409: problem_response("The status may not change that way (`allowed_statuses`)."),
    },
)
async def update_ticket(ticket_id: UUID, body: TicketUpdate, uow: UoW, actor: Agent) -> TicketRead:
    """Only the fields sent change. `closed` sets `closed_at`; `open` on a closed ticket
    reopens it and clears `closed_at`. Setting the current status again changes nothing."""
    view = await service.update_ticket(
        uow, ticket_id=ticket_id, changes=body.model_dump(exclude_unset=True)
    )
    return TicketRead.of(view)


@router.get(
    "/customers/{customer_id}/tickets",
    summary="List a customer's tickets",
    responses={**COMMON_ERRORS, **NO_CUSTOMER},
)
async def list_customer_tickets(
    customer_id: UUID,
    uow: UoW,
    actor: Viewer,
    paging: Paging,
    filters: Filters,
) -> TicketPageRead:
    """The customer's tickets, newest first, with the same filters as `/tickets`."""
    filters = replace(filters, customer_id=customer_id)
    page = await service.list_customer_tickets(
        uow, customer_id=customer_id, filters=filters, cursor=paging.cursor, limit=paging.limit
    )
    return page_read(TicketPageRead, page, TicketRead.of)
