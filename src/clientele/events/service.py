"""Change event use cases: read the feed (long-polling), prune old events."""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from clientele.events import repository
from clientele.events.domain import Event, expand_types
from clientele.uow import UnitOfWork

SEQUENCE_BATCH = 5000


class Waker(Protocol):
    """Something that says when new events may have committed (`Wakeup`)."""

    def signal(self) -> asyncio.Event: ...

    async def wait(self, signal: asyncio.Event, seconds: float) -> bool: ...


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[Event]
    next_cursor: str


async def sequence(uow: UnitOfWork) -> int | None:
    """Give feed positions to what committed since the last call (one batch); None when
    another process is doing it."""
    async with uow:
        done = await repository.sequence(uow.connection, batch=SEQUENCE_BATCH)
        await uow.commit()
    return done


async def read_events(
    uow: UnitOfWork, *, after: int, types: Sequence[str], limit: int
) -> EventPage:
    """Events after the cursor in commit order (`types` may hold `<entity>.*`). Sequences what
    committed meanwhile first, so a feed works without any worker running."""
    async with uow:
        conn = uow.connection
        await repository.sequence(conn, batch=SEQUENCE_BATCH)
        read = await repository.read_feed(conn, after=after, types=expand_types(types), limit=limit)
        await uow.commit()
    # A short page looked at every event up to the head.
    cursor = read.events[-1].position if len(read.events) == limit else max(after, read.head)
    return EventPage(events=read.events, next_cursor=str(cursor))


async def wait_for_events(
    uow_factory: Callable[[], UnitOfWork],
    waker: Waker,
    *,
    after: int,
    types: Sequence[str],
    limit: int,
    wait_s: float,
) -> EventPage:
    """`read_events`, waiting up to `wait_s` seconds for a first event when there is none yet.
    Holds no database connection while it waits."""
    deadline = time.monotonic() + wait_s
    while True:
        signal = waker.signal()
        page = await read_events(uow_factory(), after=after, types=types, limit=limit)
        remaining = deadline - time.monotonic()
        if page.events or remaining <= 0:
            return page
        after = int(page.next_cursor)  # events of other types were passed over
        # A lost notification costs at most a few seconds.
        await waker.wait(signal, min(remaining, 5.0))


@dataclass(frozen=True, slots=True)
class PruneReport:
    events: int
    deliveries: int


async def prune(
    uow_factory: Callable[[], UnitOfWork],
    *,
    retention: timedelta,
    batch: int = 5000,
    now: datetime | None = None,
) -> PruneReport:
    """Delete events older than `retention` (unless a pending webhook delivery still needs
    them) and finished deliveries as old, in committed batches walking the primary keys."""
    before = (now or datetime.now(UTC)) - retention
    totals = {"events": 0, "deliveries": 0}
    steps = {"events": repository.prune_events, "deliveries": repository.prune_deliveries}
    for name, step in steps.items():
        last = 0
        while True:
            uow = uow_factory()
            async with uow:
                result = await step(uow.connection, before=before, after_id=last, batch=batch)
                await uow.commit()
            totals[name] += result.deleted
            last = result.last_id
            if result.done:
                break
    return PruneReport(events=totals["events"], deliveries=totals["deliveries"])
