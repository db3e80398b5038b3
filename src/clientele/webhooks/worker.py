"""`clientele worker`: sequences the feed and delivers webhooks; run as many as you like.

PostgreSQL is the queue. A worker claims due deliveries with `FOR UPDATE SKIP LOCKED` inside
one transaction, sends them, records the outcomes and commits. If it dies mid-batch, its
transaction rolls back and its row locks go with it, so another worker sends the same
deliveries again (at least once; receivers dedupe by `webhook-id`). One customer's deliveries
to one endpoint form a lane: only the lane's earliest pending delivery can be claimed, its
followers only by the same worker, one after the other, so a customer's events arrive in order
whatever the number of workers. A failed delivery holds its lane until it succeeds or is
exhausted; other customers' lanes go on.
"""

import asyncio
import contextlib
import logging
import signal
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from clientele import metrics
from clientele.config import Settings
from clientele.db import create_engine
from clientele.events import service as events_service
from clientele.events.wakeup import Wakeup
from clientele.uow import EngineUnitOfWork, UnitOfWork
from clientele.webhooks import repository
from clientele.webhooks.domain import MAX_ERROR_LENGTH, next_attempt, signed_request
from clientele.webhooks.repository import Job, Outcome

log = logging.getLogger(__name__)

# A lane's head and up to this many of its followers go in one batch.
PER_LANE = 20
PRUNE_EVERY_S = 3600.0
IDLE_POLL_S = 5.0
# Kills a worker's session that hangs with locks held (PostgreSQL ends it, locks go).
IDLE_IN_TRANSACTION_S = 300


@dataclass
class _Health:
    """Attempts to one endpoint in the order they completed."""

    succeeded: bool = False
    failures_since_success: int = 0
    last_error: str | None = None


@dataclass
class BatchResult:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    paused: list[UUID] = field(default_factory=list)


def _lanes(jobs: list[Job]) -> list[list[Job]]:
    lanes: dict[tuple[UUID, UUID], list[Job]] = defaultdict(list)
    for job in jobs:  # claimed in lane order, positions ascending
        lanes[(job.endpoint_id, job.customer_id)].append(job)
    return list(lanes.values())


async def _send(http: aiohttp.ClientSession, job: Job) -> tuple[int | None, str | None]:
    """POST one signed delivery; (status code, error) with error None on a 2xx."""
    assert job.event is not None
    request = signed_request(secret=job.secret, event=job.event, now=datetime.now(UTC))
    try:
        async with http.post(
            job.url, data=request.body, headers=dict(request.headers), allow_redirects=False
        ) as response:
            # Read (a bounded part of) the answer; an unread rest closes the connection.
            answer = await response.content.read(MAX_ERROR_LENGTH * 4)
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        timeout = isinstance(exc, TimeoutError)
        metrics.record_webhook_failure("timeout" if timeout else "connection")
        return None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    if 200 <= status < 300:
        return status, None
    metrics.record_webhook_failure("http_5xx" if status >= 500 else "http_4xx")
    text = answer.decode("utf-8", errors="replace")
    return status, f"HTTP {status}: {text}"[:MAX_ERROR_LENGTH]


async def deliver_batch(
    uow: UnitOfWork, http: aiohttp.ClientSession, settings: Settings
) -> BatchResult:
    """Claim a batch, send it (lanes concurrently, each lane in order, stopping at its first
    failure), record every outcome and commit. Returns what happened."""
    result = BatchResult()
    base = timedelta(milliseconds=settings.webhook_retry_base_ms)
    give_up = timedelta(seconds=settings.webhook_retry_max_s)
    async with uow:
        conn = uow.connection
        await repository.limit_idle_in_transaction(conn, seconds=IDLE_IN_TRANSACTION_S)
        jobs = await repository.claim(conn, lanes=settings.worker_batch, per_lane=PER_LANE)
        if not jobs:
            return result
        health: dict[UUID, _Health] = defaultdict(_Health)
        outcomes: list[Outcome] = []
        gate = asyncio.Semaphore(max(settings.worker_concurrency, 1))

        async def run_lane(lane: list[Job]) -> None:
            held_until: datetime | None = None  # a failure holds the rest of the lane
            for job in lane:
                now = datetime.now(UTC)
                if held_until is not None:
                    outcomes.append(Outcome(job.delivery_id, "pending", False, now, held_until))
                    continue
                if job.event is None:
                    outcomes.append(
                        Outcome(job.delivery_id, "exhausted", False, now, now, None,
                                "the event is older than the retention period")
                    )  # fmt: skip
                    continue
                async with gate:
                    code, error = await _send(http, job)
                now = datetime.now(UTC)
                state = health[job.endpoint_id]
                result.attempted += 1
                if error is None:
                    result.delivered += 1
                    state.succeeded, state.failures_since_success = True, 0
                    outcomes.append(Outcome(job.delivery_id, "delivered", True, now, now, code))
                    continue
                result.failed += 1
                state.failures_since_success += 1
                state.last_error = error
                retry = next_attempt(
                    attempts=job.attempts + 1,
                    now=now,
                    due_since=job.due_since,
                    base=base,
                    give_up_after=give_up,
                )
                if retry is None:  # exhausted: the lane moves on
                    metrics.record_webhook_failure("exhausted")
                    outcome = Outcome(job.delivery_id, "exhausted", True, now, now, code, error)
                else:
                    held_until = retry
                    outcome = Outcome(job.delivery_id, "pending", True, now, retry, code, error)
                outcomes.append(outcome)

        await asyncio.gather(*(run_lane(lane) for lane in _lanes(jobs)))
        await repository.record(conn, outcomes)
        if health:
            ids = list(health)
            result.paused = await repository.record_endpoint_health(
                conn,
                endpoint_ids=ids,
                succeeded=[health[i].succeeded for i in ids],
                failures_since_success=[health[i].failures_since_success for i in ids],
                last_errors=[health[i].last_error for i in ids],
                pause_after=settings.webhook_pause_after,
            )
        await uow.commit()
    for endpoint_id in result.paused:
        log.warning("webhook %s paused after repeated failures", endpoint_id)
    return result


async def _idle_wait(
    uow: UnitOfWork, wakeup: Wakeup, signal_: asyncio.Event, stop: asyncio.Event
) -> None:
    """Sleep until a notification, the next due retry, or IDLE_POLL_S, whichever is first."""
    async with uow.read_only():
        due = await repository.next_due(uow.connection)
    timeout = IDLE_POLL_S
    if due is not None:
        timeout = min(timeout, max((due - datetime.now(UTC)).total_seconds(), 0.01))
    waits = [asyncio.ensure_future(signal_.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waits:
            waiter.cancel()


async def run(
    database_url: str,
    settings: Settings,
    *,
    stop: asyncio.Event,
    engine: AsyncEngine | None = None,
) -> None:
    """The worker's loop until `stop` is set: sequence, deliver, prune hourly, sleep when idle."""
    own_engine = engine is None
    engine = engine or create_engine(database_url, settings)
    factory: Callable[[], UnitOfWork] = lambda: EngineUnitOfWork(engine)  # noqa: E731
    wakeup = Wakeup(database_url)
    await wakeup.ready()
    last_prune = float("-inf")
    # One pooled client per worker: keep-alive connections to each receiver, at most
    # 2 x concurrency open. aiohttp, not httpx: per request it costs a fraction of the CPU
    # (docs/decisions.md, issue 17), which bounds deliveries per second on a small machine.
    connector = aiohttp.TCPConnector(limit=max(settings.worker_concurrency, 1) * 2)
    timeout = aiohttp.ClientTimeout(total=settings.webhook_timeout_s)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            while not stop.is_set():
                signal_ = wakeup.signal()
                try:
                    sequenced = await events_service.sequence(factory()) or 0
                    batch = await deliver_batch(factory(), http, settings)
                    if time.monotonic() - last_prune > PRUNE_EVERY_S:
                        last_prune = time.monotonic()
                        report = await events_service.prune(
                            factory, retention=timedelta(days=settings.events_retention_days)
                        )
                        log.info("pruned %s events, %s deliveries", *astuple(report))
                    if sequenced or batch.attempted or batch.delivered:
                        continue
                    await _idle_wait(factory(), wakeup, signal_, stop)
                except Exception:
                    log.exception("worker round failed; trying again in 1 s")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
    finally:
        await wakeup.close()
        if own_engine:
            await engine.dispose()


def run_forever(database_url: str, settings: Settings) -> None:
    """Run the worker until SIGINT or SIGTERM (it finishes its batch first)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run(database_url, settings, stop=stop)

    asyncio.run(main())
