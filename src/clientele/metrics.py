"""Prometheus metrics, served at /metrics: requests, the pool, the database, search, the legacy
migration, and gauges other features register (events backlog, webhook failures).

Labels never carry personal data: a request is labelled by its route template
(`/api/v1/customers/{customer_id}`), never its URL.

Several worker processes (`clientele serve --workers N`) share one view through prometheus
client's multiprocess mode: `serve` points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory
before the workers start, each writes its samples there, and any worker's /metrics adds them
up. Gauges that are read from the database (legacy progress, registered gauges) are computed
by the worker that answers the scrape.
"""

import functools
import logging
import os
import platform
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clientele import __version__, schema
from clientele.ops import repository as ops_repository

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds; from a cached token lookup to the statement timeout (5 s by default).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "clientele_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "clientele_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
POOL_SIZE = Gauge(
    "clientele_db_pool_size",
    "Connections the pools may open (all worker processes).",
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "clientele_db_pool_connections_in_use",
    "Pooled connections checked out by a request right now (all worker processes).",
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "clientele_db_pool_waiting",
    "Requests waiting for a pooled connection right now (all worker processes).",
    multiprocess_mode="livesum",
)
STATEMENT_TIMEOUTS = Counter(
    "clientele_db_statement_timeouts_total",
    "Statements PostgreSQL cancelled at CLIENTELE_STATEMENT_TIMEOUT_MS.",
)
SEARCH_SECONDS = Histogram(
    "clientele_search_duration_seconds",
    "Time to run one customer search (API and web UI), in the service.",
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_FAILURES = Counter(
    "clientele_webhook_delivery_failures_total",
    "Webhook deliveries that failed, by reason (see record_webhook_failure).",
    ["reason"],
)

# -- hooks for other features -------------------------------------------------------------


def record_webhook_failure(reason: str) -> None:
    """Count one failed webhook delivery. `reason` must be a small fixed vocabulary
    (`timeout`, `http_4xx`, `http_5xx`, `connection`, `exhausted`), never a URL or a message."""
    WEBHOOK_FAILURES.labels(reason=reason).inc()


DatabaseSource = Callable[[AsyncConnection], Awaitable[float]]
# The names the dashboard (docs/grafana) expects the events feature to register.
EVENTS_BACKLOG = "clientele_events_backlog"


@dataclass(frozen=True, slots=True)
class DatabaseGauge:
    name: str
    documentation: str
    source: DatabaseSource


_DATABASE_GAUGES: dict[str, DatabaseGauge] = {}


def register_database_gauge(name: str, documentation: str, source: DatabaseSource) -> None:
    """Add a gauge read from the database at each scrape, e.g. the events backlog:

        async def backlog(conn): return (await conn.execute(text("SELECT count(*) ..."))).scalar()
        register_database_gauge("clientele_events_backlog", "Events not yet delivered.", backlog)

    The source runs on a pooled connection under the statement timeout; keep it to one cheap,
    indexed query. A source that fails is left out of that scrape (and logged)."""
    _DATABASE_GAUGES[name] = DatabaseGauge(name, documentation, source)


# -- requests, pool, statements -------------------------------------------------------------


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count an answered request (called by the request log middleware)."""
    labels = {"method": method, "route": route, "status": str(status)}
    REQUESTS.labels(**labels).inc()
    REQUEST_SECONDS.labels(**labels).observe(seconds)


@contextmanager
def waiting_for_connection() -> Iterator[None]:
    """Around taking a connection from the pool: counts the requests waiting for one."""
    POOL_WAITING.inc()
    try:
        yield
    finally:
        POOL_WAITING.dec()


_QUERY_CANCELED = "57014"


def instrument_engine(engine: AsyncEngine, pool_size: int) -> None:
    """Follow the engine's pool (connections in use) and count statement timeouts."""
    POOL_SIZE.inc(pool_size)
    pool_events = engine.sync_engine

    def checkout(*_: Any) -> None:
        POOL_IN_USE.inc()

    def checkin(*_: Any) -> None:
        POOL_IN_USE.dec()

    def handle_error(context: Any) -> None:
        if getattr(context.original_exception, "sqlstate", None) == _QUERY_CANCELED:
            STATEMENT_TIMEOUTS.inc()

    event.listen(pool_events, "checkout", checkout)
    event.listen(pool_events, "checkin", checkin)
    event.listen(pool_events, "handle_error", handle_error)


def release_engine(pool_size: int) -> None:
    """The engine was disposed (the worker stops)."""
    POOL_SIZE.dec(pool_size)
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def timed_search(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Decorates the search service: observes each search's duration."""

    @functools.wraps(function)
    async def timed(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            SEARCH_SECONDS.observe(time.perf_counter() - started)

    return timed


# -- worker processes -----------------------------------------------------------------------


def prepare_worker_processes(workers: int) -> None:
    """Before starting `workers` server processes: give them a shared, empty metrics
    directory, unless the operator named one (then they must empty it before each start)."""
    if workers > 1 and not os.environ.get(MULTIPROCESS_ENV):
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="clientele-metrics-")


# -- the scrape -----------------------------------------------------------------------------

LEGACY_STAGES = ("schema", "customers", "tickets", "migrate", "finalize_started")


async def _legacy_progress(conn: AsyncConnection) -> Metric | None:
    done = await ops_repository.legacy_stages_done(conn)
    if done is None:
        return None
    family = GaugeMetricFamily(
        "clientele_legacy_migration_stage_done",
        "1 once a stage of `clientele legacy migrate` / `finalize` is done, else 0.",
        labels=["stage"],
    )
    for stage in LEGACY_STAGES:
        family.add_metric([stage], 1.0 if stage in done else 0.0)
    return family


def _build_info(schema_head: str) -> Metric:
    family = GaugeMetricFamily(
        "clientele_build_info",
        "Always 1; the labels say which release runs.",
        labels=["version", "schema_head", "python"],
    )
    family.add_metric([__version__, schema_head, platform.python_version()], 1.0)
    return family


ScrapeSource = Callable[[AsyncConnection], Awaitable[Iterable[Metric]]]
_SCRAPE_SOURCES: list[ScrapeSource] = []


def register_scrape_source(source: ScrapeSource) -> None:
    """Add metric families computed from the database at each scrape (e.g. replica lag)."""
    _SCRAPE_SOURCES.append(source)


async def database_metrics(conn: AsyncConnection) -> list[Metric]:
    """The families read from the database for one scrape; a failing source is skipped."""
    families: list[Metric] = []
    try:
        legacy = await _legacy_progress(conn)
        if legacy is not None:
            families.append(legacy)
    except Exception:
        log.warning("metrics: legacy migration progress unavailable", exc_info=True)
    for gauge in list(_DATABASE_GAUGES.values()):
        try:
            value = await gauge.source(conn)
        except Exception:
            log.warning("metrics: gauge %s unavailable", gauge.name, exc_info=True)
            continue
        families.append(GaugeMetricFamily(gauge.name, gauge.documentation, value=value))
    for source in list(_SCRAPE_SOURCES):
        try:
            families.extend(await source(conn))
        except Exception:
            log.warning("metrics: a scrape source failed", exc_info=True)
    return families


class _Fixed(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def exposition(extra: list[Metric], *, schema_head: str) -> bytes:
    """The text a scrape gets: this process's (or every worker's) samples plus `extra`."""
    registry = CollectorRegistry()
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Fixed(list(REGISTRY.collect())))
    registry.register(_Fixed([_build_info(schema_head), *extra]))
    return generate_latest(registry)


def install_metrics(app: FastAPI) -> None:
    """Serve /metrics (Prometheus text format). It names no customer: expose it to the
    monitoring network only, as one does any /metrics."""
    schema_head = schema.head_revision()

    @app.get("/metrics", include_in_schema=False)
    async def get_metrics(request: Request) -> Response:
        families: list[Metric] = []
        try:
            async with request.app.state.uow_factory() as uow:
                families = await database_metrics(uow.connection)
        except Exception:
            # The process still answers: Prometheus sees it up, and the pool metrics say why.
            log.warning("metrics: the database is unreachable", exc_info=True)
        return Response(exposition(families, schema_head=schema_head), media_type=CONTENT_TYPE)
