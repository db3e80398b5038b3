"""Wake-ups from PostgreSQL: one LISTEN connection per process, shared by every waiter.

Writers of events and the sequencer `NOTIFY clientele_events` (revision 0007). A waiter takes a
`signal()` before it looks for work and waits on it afterwards, so a notification that arrives
in between is not missed. Without a working connection, waits simply time out (callers bound
them, so the feed and the workers fall back to polling).
"""

import asyncio
import contextlib
import logging

import psycopg

from clientele.db import libpq_url

CHANNEL = "clientele_events"

log = logging.getLogger(__name__)


class Wakeup:
    """Listens on CHANNEL in a background task started on first use; `close()` stops it."""

    def __init__(self, database_url: str) -> None:
        self._url = libpq_url(database_url)
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def signal(self) -> asyncio.Event:
        """The current signal; set by the next notification (or when listening starts)."""
        return self._event

    async def ready(self, seconds: float = 5.0) -> bool:
        """Wait until the LISTEN is in place (tests and the worker's start); False on timeout."""
        self._start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), seconds)
        return self._ready.is_set()

    async def wait(self, signal: asyncio.Event, seconds: float) -> bool:
        """Wait for `signal` at most `seconds`; True when it came."""
        if seconds <= 0:
            return signal.is_set()
        self._start()  # the first wait starts listening, which sets the signal once
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signal.wait(), seconds)
        return signal.is_set()

    def _wake(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    delay = 0.5
                    self._wake()  # anything committed while we were not listening
                    async for _ in conn.notifies():
                        self._wake()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server restarted or went away: listen again
                self._ready.clear()
                log.warning("event wake-ups lost (%s); reconnecting in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def close(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
