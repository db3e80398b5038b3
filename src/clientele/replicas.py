"""Read replicas (`CLIENTELE_READ_DATABASE_URLS`): reads that may be slightly stale go to a
streaming replica, and never a read that must see the caller's own write.

As GitLab's database load balancing does: after a write, the answer carries the primary's WAL
position (`Clientele-LSN` header and a `clientele_lsn` cookie). A later read that sends it back
goes to a replica only once that replica has replayed past it, otherwise to the primary. A
replica that is down, paused, not in recovery, or more than `CLIENTELE_REPLICA_MAX_LAG_S`
behind gets no reads until it recovers; with no usable replica, reads go to the primary.
"""

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientele import schema
from clientele.config import Settings
from clientele.db import sqlalchemy_url
from clientele.ops import repository

log = logging.getLogger(__name__)

LSN_HEADER = "clientele-lsn"
LSN_COOKIE = "clientele_lsn"
# How long a client keeps reading its writes from up-to-date servers; a replica further behind
# than the lag limit gets no reads anyway, so this only has to outlast that limit comfortably.
LSN_COOKIE_MAX_AGE_S = 300
CHECK_INTERVAL_S = 1.0  # a replica's position is asked at most this often (per process)
RETRY_DOWN_AFTER_S = 5.0  # a replica that failed its check is left alone this long

REPLICA_LAG = Gauge(
    "clientele_db_replica_lag_seconds",
    "Seconds since the last transaction a read replica replayed, while it has WAL to replay "
    "(0 when caught up).",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_USABLE = Gauge(
    "clientele_db_replica_usable",
    "1 when a read replica takes reads (up, replaying, within the lag limit), else 0.",
    ["replica"],
    multiprocess_mode="livemin",
)
READS = Counter(
    "clientele_db_reads_total",
    "Reads that could go to a replica, by where they went (`primary` or a replica's name).",
    ["target"],
)


def parse_lsn(value: str | None) -> int | None:
    """`16/B374D848` as a number; None for anything else (a client's header is untrusted)."""
    if not value:
        return None
    high, slash, low = value.strip().partition("/")
    if not slash or not (0 < len(high) <= 8 and 0 < len(low) <= 8):
        return None
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return None


@dataclass
class Replica:
    """One read replica and what its last check found."""

    name: str
    engine: AsyncEngine
    usable: bool = False
    replay_lsn: int | None = None
    lag_s: float | None = None
    reason: str = "not checked yet"
    checked_at: float = field(default=-1e9)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def describe(self) -> dict[str, Any]:
        """For /readyz."""
        return {
            "name": self.name,
            "usable": self.usable,
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "reason": self.reason,
        }


class ReplicaRouter:
    """Chooses a replica for a read, or None for the primary."""

    def __init__(self, replicas: list[Replica], *, max_lag_s: float) -> None:
        self.replicas = replicas
        self.max_lag_s = max_lag_s
        self.schema_head = schema.head_revision()
        self._turn = itertools.count()

    @classmethod
    def from_settings(cls, settings: Settings) -> "ReplicaRouter | None":
        """The router for CLIENTELE_READ_DATABASE_URLS, None when there are no replicas."""
        if not settings.read_database_urls:
            return None
        replicas = [
            Replica(
                f"replica-{index}",
                create_async_engine(
                    sqlalchemy_url(url),
                    pool_size=settings.pool_size,
                    max_overflow=0,
                    pool_timeout=settings.pool_timeout_s,
                    pool_pre_ping=True,
                    connect_args={
                        "options": f"-c statement_timeout={settings.statement_timeout_ms}",
                        "connect_timeout": 2,
                    },
                ),
            )
            for index, url in enumerate(settings.read_database_urls)
        ]
        return cls(replicas, max_lag_s=settings.replica_max_lag_s)

    async def dispose(self) -> None:
        for replica in self.replicas:
            await replica.engine.dispose()

    async def _check(self, replica: Replica, *, force: bool = False) -> None:
        wait = CHECK_INTERVAL_S if replica.usable else RETRY_DOWN_AFTER_S
        if not force and time.monotonic() - replica.checked_at < wait:
            return
        async with replica.lock:
            if not force and time.monotonic() - replica.checked_at < wait:
                return  # another request checked it meanwhile
            try:
                async with replica.engine.connect() as conn:
                    position = await repository.replay_position(conn)
                    revision = await repository.schema_version_if_any(conn)
                replica.replay_lsn = parse_lsn(position.replay_lsn)
                replica.lag_s = position.lag_s
                if not position.in_recovery:
                    replica.usable, replica.reason = False, "not a replica (not in recovery)"
                elif position.paused:
                    replica.usable, replica.reason = False, "replay paused"
                elif revision != self.schema_head:
                    # Not yet replayed the schema upgrade (a deploy): its tables are the old ones.
                    replica.usable, replica.reason = False, f"schema at {revision or 'none'}"
                elif replica.lag_s > self.max_lag_s:
                    replica.usable, replica.reason = False, f"over {self.max_lag_s:g} s behind"
                else:
                    replica.usable, replica.reason = True, "ok"
            except Exception as exc:
                replica.usable, replica.lag_s = False, None
                replica.reason = f"unreachable ({type(exc).__name__})"
                log.warning("read replica %s unreachable: %s", replica.name, type(exc).__name__)
            replica.checked_at = time.monotonic()
            REPLICA_USABLE.labels(replica=replica.name).set(1 if replica.usable else 0)
            if replica.lag_s is not None:
                REPLICA_LAG.labels(replica=replica.name).set(replica.lag_s)

    async def choose(self, min_lsn: int | None) -> Replica | None:
        """A usable replica that has replayed past `min_lsn` (taken in turn), or None."""
        start = next(self._turn)
        count = len(self.replicas)
        for offset in range(count):
            replica = self.replicas[(start + offset) % count]
            await self._check(replica)
            if not replica.usable:
                continue
            if min_lsn is not None and (replica.replay_lsn or 0) < min_lsn:
                # The cached position may be a second old: ask again before giving up on it.
                await self._check(replica, force=True)
                if not replica.usable or (replica.replay_lsn or 0) < min_lsn:
                    continue
            READS.labels(target=replica.name).inc()
            return replica
        READS.labels(target="primary").inc()
        return None

    async def describe(self) -> list[dict[str, Any]]:
        """Every replica's state, checked now (for /readyz)."""
        for replica in self.replicas:
            await self._check(replica, force=True)
        return [replica.describe() for replica in self.replicas]


def client_lsn(headers: dict[str, str], cookie_header: str | None) -> int | None:
    """The newest WAL position the client says it wrote: header or cookie, whichever is later."""
    positions = [parse_lsn(headers.get(LSN_HEADER))]
    if cookie_header:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(cookie_header)
        except Exception:  # a malformed Cookie header is the client's; ignore it
            cookie = SimpleCookie()
        if LSN_COOKIE in cookie:
            positions.append(parse_lsn(cookie[LSN_COOKIE].value))
    known = [p for p in positions if p is not None]
    return max(known) if known else None


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadYourWritesMiddleware:
    """After a successful write, tells the client the primary's WAL position (header and
    cookie), so its next reads wait for a replica that has it. Does nothing without replicas."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state

        async def send_with_position(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and message["status"] < 400
                and getattr(state, "replicas", None) is not None
            ):
                lsn = await _primary_position(state.engine)
                if lsn is not None:
                    message["headers"] = [
                        *message.get("headers", []),
                        (LSN_HEADER.encode(), lsn.encode()),
                        (
                            b"set-cookie",
                            f"{LSN_COOKIE}={lsn}; Path=/; Max-Age={LSN_COOKIE_MAX_AGE_S}; "
                            "HttpOnly; SameSite=Lax".encode(),
                        ),
                    ]
            await send(message)

        await self.app(scope, receive, send_with_position)


async def _primary_position(engine: AsyncEngine) -> str | None:
    # Read after the request's transaction committed (the answer is being sent), so it is at or
    # past the write's commit record.
    try:
        async with engine.connect() as conn:
            return await repository.primary_position(conn)
    except Exception:
        log.warning("could not read the primary's WAL position", exc_info=True)
        return None
