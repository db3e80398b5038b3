"""The change feed: GET /api/v1/events."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from clientele import metrics
from clientele.config import Settings
from clientele.deps import REQUEST_UOW_FACTORY, Viewer
from clientele.events import repository, service
from clientele.events.domain import parse_cursor, parse_types
from clientele.events.schemas import EventPageRead, EventRead
from clientele.events.wakeup import Wakeup
from clientele.openapi import COMMON_ERRORS
from clientele.uow import UnitOfWorkFactory

router = APIRouter(tags=["events"])

# /metrics reads it at each scrape (issue 19's dashboard expects this name).
metrics.register_database_gauge(
    metrics.EVENTS_BACKLOG,
    "Change events not yet sequenced plus webhook deliveries still pending.",
    repository.backlog_count,
)


async def get_wakeup(request: Request) -> Wakeup:
    """The process's LISTEN connection (made by the app's lifespan)."""
    wakeup: Wakeup = request.app.state.event_wakeup
    return wakeup


async def get_max_wait(request: Request) -> int:
    """The longest long poll this server allows (CLIENTELE_EVENTS_MAX_WAIT_S)."""
    settings: Settings = request.app.state.settings
    return settings.events_max_wait_s


async def get_uow_factory(request: Request) -> UnitOfWorkFactory:
    """Units of work for this request: a long poll reads several times, each with its own."""
    factory: UnitOfWorkFactory = (
        request.scope.get(REQUEST_UOW_FACTORY) or request.app.state.uow_factory
    )
    return factory


EventWakeup = Annotated[Wakeup, Depends(get_wakeup)]
UoWFactory = Annotated[UnitOfWorkFactory, Depends(get_uow_factory)]
MaxWait = Annotated[int, Depends(get_max_wait)]


@router.get("/events", summary="The change feed", responses=COMMON_ERRORS)
async def list_events(
    uow_factory: UoWFactory,
    actor: Viewer,
    wakeup: EventWakeup,
    max_wait: MaxWait,
    after: Annotated[
        str | None,
        Query(max_length=20, description="`next_cursor` of your last read; none: the oldest kept."),
    ] = None,
    types: Annotated[
        list[str] | None,
        Query(description="Only these types (comma-separated or repeated; `customer.*` works)."),
    ] = None,
    wait: Annotated[
        int, Query(ge=0, le=60, description="Seconds to wait for a first event (long poll).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many events.")] = 100,
) -> EventPageRead:
    """Every committed change in commit order: customers (created, updated with old and new
    values, blocked, activated, merged, merge undone, erased), contacts, tickets and equipment
    links. A cursor never skips an event, even one whose transaction committed late. With
    `wait`, an empty answer comes only after that many seconds without a new event (at most
    the server's CLIENTELE_EVENTS_MAX_WAIT_S)."""
    page = await service.wait_for_events(
        uow_factory,
        wakeup,
        after=parse_cursor(after),
        types=parse_types(types or []),
        limit=limit,
        wait_s=min(wait, max_wait),
    )
    events = [EventRead.of(e) for e in page.events]
    return EventPageRead(events=events, next_cursor=page.next_cursor)
