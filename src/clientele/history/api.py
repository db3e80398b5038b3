"""History routes under /api/v1/customers/{id}: the versions and the compact timeline."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from clientele.deps import ReadUoW, Viewer
from clientele.history import service
from clientele.history.domain import HistoryCursor
from clientele.history.schemas import HistoryPageRead, TimelineEventRead, TimelineRead, VersionRead
from clientele.openapi import NO_CUSTOMER, Responses, problem_response
from clientele.privacy.api import reader_of

router = APIRouter(prefix="/customers", tags=["history"])


ERRORS: Responses = {
    401: problem_response("No or unknown bearer token."),
    **NO_CUSTOMER,
    422: problem_response("A parameter is invalid; `errors` lists each one."),
}


@router.get("/{customer_id}/history", summary="A customer's recorded versions", responses=ERRORS)
async def get_customer_history(
    customer_id: UUID,
    uow: ReadUoW,
    actor: Viewer,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (max 200).")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
) -> HistoryPageRead:
    """Every version the database recorded, newest first: the fields each write changed (old
    and new value), who wrote it and when. Writes that bypassed the API appear too, with
    `source: sql`. `GET /customers/{id}?as_of=<valid_from>` shows the whole state."""
    page = await service.customer_history(
        uow,
        customer_id=customer_id,
        cursor=HistoryCursor.decode(cursor) if cursor else None,
        limit=limit,
        reader=reader_of(request, actor),
    )
    return HistoryPageRead(
        items=[VersionRead.of(entry) for entry in page.items], next_cursor=page.next_cursor
    )


@router.get("/{customer_id}/timeline", summary="A customer's compact timeline", responses=ERRORS)
async def get_customer_timeline(
    customer_id: UUID,
    uow: ReadUoW,
    actor: Viewer,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200, description="Newest events to return.")] = 50,
) -> TimelineRead:
    """For the customer page: creation, name and phone changes, blocks, activations, merges and
    contact changes, newest first. Other edits are in the full history."""
    events = await service.customer_timeline(
        uow, customer_id=customer_id, limit=limit, reader=reader_of(request, actor)
    )
    return TimelineRead(items=[TimelineEventRead.of(event) for event in events])
