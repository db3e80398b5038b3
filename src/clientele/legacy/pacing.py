"""Pacing: the backfill's short, time-bounded transactions (the old application's waits).

See docs/legacy-migration.md, "The old application's waits".
"""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg import errors

from clientele.legacy import ddl
from clientele.legacy.state import Conn

log = logging.getLogger(__name__)

ACTOR = "legacy-migration"

#
# A backfill transaction holds locks the old application may need: the advisory lock of every
# legacy id and phone of a customers batch (the online trigger takes the same ones), the row
# locks of a tickets batch. Whatever the old application waits, it waits for the rest of that
# transaction. So every such transaction is sized by time, not only by count (`Pacer`: the next
# batch aims at `target_s` from the last one's time per row) and may hold its locks at most
# `HOLD_LIMIT_S`: each statement runs with a statement_timeout of what is left of that budget,
# and a lock the old application holds is waited for at most `LOCK_WAIT_MS`. Over budget, or a
# lock not granted: roll back (every lock goes at once), wait a little, retry with half the
# rows. The commits are asynchronous (no WAL flush while the locks are held; see
# `backfill_transaction`). What needs no lock is done outside: names enter the search
# vocabulary before, the backdated history after, GIN pending lists are merged in between.

CUSTOMER_BATCH_MAX = 500
# Names entering the search vocabulary: locks only rows of new names and words (sized by time).
VOCABULARY_BATCH_MAX = 2000
# From this many customers (tickets) on, two connections write them, each half on its own (see
# `in_parallel`).
PARALLEL_MIN_CUSTOMERS = 5000
PARALLEL_MIN_TICKETS = 20_000
CUSTOMER_BATCH_START = 50
TICKET_BATCH_START = 200
BATCH_MIN = 5
CUSTOMER_HOLD_TARGET_S = 0.15  # customers: the advisory locks the old application's inserts take
TICKET_HOLD_TARGET_S = 0.25  # tickets, equipment: row locks of rows it rarely touches at once
HOLD_LIMIT_S = 0.5  # no backfill transaction holds its locks longer (unless retries fail, below)
HOLD_LIMIT_MAX_S = 4.0
LOCK_WAIT_MS = 200  # how long a backfill transaction waits for a lock the old application holds
RETRY_ATTEMPTS = 30  # consecutive failed tries of one batch before migrate gives up
RETRY_BACKOFF_S = (0.05, 2.0)  # first and longest pause between tries (plus jitter)
BACKFILL_LOCK_TIMEOUT_MS = 5000  # transactions that hold nothing the old application takes
ANALYZE_FIRST = 1000  # ANALYZE after the first batch, then each time the customers double

_RETRYABLE = (errors.QueryCanceled, errors.LockNotAvailable, errors.DeadlockDetected)

T = TypeVar("T")


class _OverBudget(Exception):
    """The batch's transaction used its time budget before its next statement."""


@dataclass(slots=True)
class Pacer:
    """Batch sizes by time for one stage, and what its batches did (for the report)."""

    stage: str
    size: int
    maximum: int
    target_s: float
    limit_s: float
    base_limit_s: float = 0.0
    minimum: int = BATCH_MIN
    batches: int = 0
    retries: int = 0
    failures: int = 0  # consecutive, of the batch being tried
    longest_s: float = 0.0

    def __post_init__(self) -> None:
        self.maximum = max(self.maximum, 1)
        self.minimum = min(self.minimum, self.maximum)
        self.size = max(self.minimum, min(self.size, self.maximum))
        self.base_limit_s = self.limit_s

    def succeeded(self, rows: int, seconds: float) -> None:
        """A batch of `rows` committed after holding its locks `seconds`: size the next one."""
        self.batches += 1
        self.failures = 0
        self.limit_s = self.base_limit_s
        self.longest_s = max(self.longest_s, seconds)
        if rows <= 0:
            return
        ideal = int(self.target_s * rows / max(seconds, 1e-4))
        # Shrink at once, grow by half at most: one quick batch proves little.
        self.size = max(self.minimum, min(ideal, self.maximum, self.size + self.size // 2 + 1))

    def absorb(self, other: "Pacer") -> None:
        """Count another worker's batches of the same stage in this report."""
        self.batches += other.batches
        self.retries += other.retries
        self.longest_s = max(self.longest_s, other.longest_s)

    def failed(self, why: str) -> None:
        """A try was rolled back (over budget, or a lock not granted): halve, then pause."""
        self.retries += 1
        self.failures += 1
        if self.failures >= RETRY_ATTEMPTS:
            raise ddl.MigrationError(
                f"{self.stage}: a batch of {self.size} could not finish within"
                f" {self.limit_s:.1f} s after {self.failures} tries ({why}); a long transaction of"
                " the old application may hold its locks (see pg_stat_activity); re-run later"
            )
        if self.size > self.minimum:
            self.size = max(self.minimum, self.size // 2)
        elif why == "over budget":
            # Even the smallest batch does not fit (a stalled machine): allow it more time
            # rather than never finishing; back to the normal budget after the next commit.
            self.limit_s = min(self.limit_s * 2, HOLD_LIMIT_MAX_S)
            log.warning("%s: a batch of %d needs more than its budget; now %.1f s",
                        self.stage, self.size, self.limit_s)  # fmt: skip
        first, longest = RETRY_BACKOFF_S
        delay = min(first * 2 ** (self.failures - 1), longest)
        time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret


@dataclass(slots=True)
class Batch:
    """One try of a batch: how many rows it may take, and its time budget."""

    conn: Conn
    size: int
    deadline: float
    rows: int = 0
    committed: bool = False
    pipeline: psycopg.Pipeline | None = None

    def arm(self) -> None:
        """Before each statement: a statement_timeout of what is left of the budget.

        Sent in the batch's pipeline with the statement that follows (no round trip of its own).
        """
        left_ms = int((self.deadline - time.perf_counter()) * 1000)
        if left_ms < 1:
            raise _OverBudget
        self.conn.execute("SELECT set_config('statement_timeout', %s, true)", (str(left_ms),))

    def sync(self) -> None:
        """Wait for every statement sent so far (before reading a `rowcount`)."""
        if self.pipeline is not None:
            self.pipeline.sync()


@contextmanager
def bounded(conn: Conn, pacer: Pacer) -> Iterator[Batch]:
    """One try of a batch in its own backfill transaction, held at most `pacer.limit_s`.

    Use: `with bounded(conn, pacer) as batch:` take `batch.size` rows, `batch.arm()` before
    each statement, set `batch.rows`; afterwards `batch.committed` says whether to move on
    (False: it was rolled back, try again; the pacer has halved the size and paused).
    """
    started = time.perf_counter()
    batch = Batch(conn, pacer.size, started + pacer.limit_s)
    lock_wait_ms = int(LOCK_WAIT_MS * pacer.limit_s / pacer.base_limit_s)
    try:
        # Pipelined: statements whose results are not read yet go out with the next one that
        # is (a fetch waits for them all), so a batch costs a few round trips, not two per
        # statement (each one a wait with the locks held, long on a loaded machine).
        with conn.pipeline() as pipeline, conn.transaction():
            batch.pipeline = pipeline
            backfill_transaction(conn, lock_timeout_ms=lock_wait_ms)
            yield batch
            pipeline.sync()  # an error of the last statements raises here: rolled back
    except _OverBudget:
        pacer.failed("over budget")
    except _RETRYABLE as exc:
        over = isinstance(exc, errors.QueryCanceled)
        pacer.failed("over budget" if over else type(exc).__name__)
    else:
        batch.committed = True
        pacer.succeeded(batch.rows, time.perf_counter() - started)


@contextmanager
def pipelined_transaction(conn: Conn) -> Iterator[psycopg.Pipeline]:
    """A backfill transaction holding nothing the old application takes, in one pipeline
    (BEGIN, settings, statements and COMMIT in about one round trip); `sync()` the pipeline
    before reading a rowcount."""
    with conn.pipeline() as pipeline, conn.transaction():
        backfill_transaction(conn)
        yield pipeline
        pipeline.sync()


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def backfill_transaction(conn: Conn, *, lock_timeout_ms: int = BACKFILL_LOCK_TIMEOUT_MS) -> None:
    # One round trip. The version recorded now is the migration's own write ('sql'); the
    # backdated versions spliced in before it are 'legacy' (clientele_history_backfill needs a
    # non-legacy one). The commit does not wait for its WAL flush (synchronous_commit off):
    # under load that flush took 0.1-0.25 s, with every lock of the batch still held. A crash
    # loses at most the last few batches, whole and in order (WAL is sequential), and migrate
    # resumes; anything that read them (an old-application commit) flushed them with its own.
    conn.execute(
        "SELECT set_config('clientele.legacy_backfill', 'on', true),"
        " set_config('clientele.source', 'sql', true), set_config('clientele.actor', %s, true),"
        " set_config('lock_timeout', %s, true), set_config('synchronous_commit', 'off', true)",
        (ACTOR, str(lock_timeout_ms)),
    )


def gin_indexes(conn: Conn, table: str) -> list[str]:
    """The table's GIN indexes (their pending lists are merged between batches)."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid"
            " JOIN pg_am AS a ON a.oid = c.relam WHERE i.indrelid = to_regclass(%s)"
            " AND a.amname = 'gin' ORDER BY c.relname",
            (table,),
        )
    ]


def merge_gin_pending(conn: Conn, indexes: list[str]) -> None:
    """Merge the indexes' GIN pending lists now, between batches, holding nothing.

    GIN indexes with fastupdate (the default: `customers.name` trigrams and `tags`, the review
    queue's customer ids) collect new entries in a pending list, and the insert that finds it
    over gin_pending_list_limit merges all of it, inside its own transaction: a batch holding
    its locks, or an old-application insert. Needs ownership of the index (migrate creates
    these tables); without it the inserts keep doing it.
    """
    if not indexes:
        return
    try:
        conn.execute(
            "SELECT count(gin_clean_pending_list(i::regclass)) FROM unnest(%s::text[]) AS i",
            (indexes,),
        )
    except errors.InsufficientPrivilege:
        log.info("not the owner of %s: GIN pending lists are left to the inserts", indexes)
        indexes.clear()
    except errors.LockNotAvailable:
        log.info("GIN pending lists of %s: a VACUUM is merging them", indexes)


def in_parallel(
    first: Callable[[threading.Event], T], second: Callable[[threading.Event], T]
) -> tuple[T, T]:
    """Run `second` in a thread beside `first` (each on its own connection); both results.

    Every row a backfill batch writes fires triggers and index updates in its one server
    backend, so one connection keeps one core busy and a second one nearly doubles the rate.
    Each gets an event set when the other fails: it stops after its batch in flight, and the
    failure is raised.
    """
    stop = threading.Event()

    def guarded(work: Callable[[threading.Event], T]) -> T:
        try:
            return work(stop)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(1, thread_name_prefix="legacy-backfill") as pool:
        future = pool.submit(guarded, second)
        one = guarded(first)
        return one, future.result()


class SharedProgress:
    """One progress bar for a stage whichever thread writes its rows."""

    def __init__(self, progress: "Callable[[str, int, int], None] | None", stage: str,
                 total: int) -> None:  # fmt: skip
        self._progress, self._stage, self._total = progress, stage, total
        self._done: dict[int, int] = {}
        self._lock = threading.Lock()

    def part(self, index: int) -> Callable[[int], None]:
        """The progress callback of one worker (rows it has done so far)."""

        def report(done: int) -> None:
            with self._lock:
                self._done[index] = done
                if self._progress:
                    self._progress(self._stage, min(sum(self._done.values()), self._total),
                                   self._total)  # fmt: skip

        return report
