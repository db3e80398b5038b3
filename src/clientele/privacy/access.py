"""The access log's write path: reads are buffered in memory and written in batches.

A read of an individual's record costs the request one list append; a background task writes
the buffer every `flush_interval_s` (or as soon as `batch_size` entries wait) in one INSERT of
its own transaction, and `stop()` writes what is left when the server shuts down. The log
therefore records a read even when the request's own transaction rolls back. What a crash
(SIGKILL, power loss) can lose: the entries of the last interval (about a second).
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from clientele.privacy import repository

log = logging.getLogger(__name__)

INDIVIDUAL = "individual"
# Entries kept while the database cannot be written; beyond this the oldest are dropped
# (and that is logged): a database outage must not grow the server's memory without bound.
MAX_PENDING = 100_000


@dataclass(frozen=True, slots=True)
class Access:
    """One read: who, when, what (`record`, `history`, ...), of whom, from which address."""

    occurred_at: datetime
    actor: str
    action: str
    customer_id: UUID
    client_address: str | None


class AccessLog:
    """The in-process buffer of access entries and the task that writes them."""

    def __init__(
        self, engine: AsyncEngine | None, *, flush_interval_s: float, batch_size: int
    ) -> None:
        self._engine = engine
        self._interval = flush_interval_s
        self._batch_size = batch_size
        self._pending: list[Access] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()

    def record(self, entry: Access) -> None:
        """Buffer one entry (no I/O); wakes the writer when a batch is full."""
        self._pending.append(entry)
        if len(self._pending) >= self._batch_size:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Entries not yet written."""
        return len(self._pending)

    async def flush(self) -> int:
        """Write every buffered entry now (one statement); returns how many were written.

        On a database error the entries stay buffered for the next flush, and the error is
        logged, never raised into a request."""
        async with self._flushing:
            batch, self._pending = self._pending, []
            if not batch or self._engine is None:
                return 0
            try:
                async with self._engine.begin() as conn:
                    await repository.insert_access(conn, batch)
            except Exception:
                log.exception("access log: %d entries not written; kept for a retry", len(batch))
                self._pending = (batch + self._pending)[-MAX_PENDING:]
                return 0
            return len(batch)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            await self.flush()

    def start(self) -> None:
        """Start the background writer (in the server's event loop)."""
        if self._task is None and self._interval > 0:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop the writer and write what is left (server shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is reading and from where; `saw` logs a read when its subject is an individual."""

    log: AccessLog
    actor: str
    client_address: str | None

    def saw(self, customer_id: UUID, customer_type: str, action: str) -> None:
        """Log that this reader read `action` (record, history...) of the customer, if a person."""
        if customer_type == INDIVIDUAL:
            self.log.record(
                Access(datetime.now(UTC), self.actor, action, customer_id, self.client_address)
            )
