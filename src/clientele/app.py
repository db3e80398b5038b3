"""The FastAPI application: routers, problem+json handlers, and the pool's lifetime."""

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from clientele import __version__, metrics, schema
from clientele.apidocs import install_docs
from clientele.audit.api import router as audit_router
from clientele.auth.service import TokenAuthenticator
from clientele.callerid.api import router as callerid_router
from clientele.config import Settings, load_settings
from clientele.contacts.api import router as contacts_router
from clientele.customers.api import router as customers_router
from clientele.db import create_engine
from clientele.deps import reject_unknown_query_parameters, require_json_body
from clientele.duplicates.api import router as duplicates_router
from clientele.equipment.api import router as equipment_router
from clientele.events.api import router as events_router
from clientele.events.wakeup import Wakeup
from clientele.history.api import router as history_router
from clientele.imports.api import router as imports_router
from clientele.limits import install_body_limit, install_cors
from clientele.observability import RequestLogMiddleware, configure_logging
from clientele.openapi import install_openapi, operation_id
from clientele.ops import repository as ops_repository
from clientele.organizations.api import router as organizations_router
from clientele.privacy.access import AccessLog
from clientele.privacy.api import router as privacy_router
from clientele.problems import install_problem_handlers, problem
from clientele.replicas import ReadYourWritesMiddleware, ReplicaRouter
from clientele.reports.api import router as reports_router
from clientele.tickets.api import router as tickets_router
from clientele.transactions import RequestTransactionMiddleware, document_idempotency
from clientele.uow import EngineUnitOfWork, UnitOfWorkFactory
from clientele.web import install_web
from clientele.webhooks.api import router as webhooks_router

DESCRIPTION = """
The customer master: one record per hospital, clinic, lab, manufacturer, dealer or person.

* **Auth**: `Authorization: Bearer <token>` (`clientele tokens create NAME --role ...`).
  `viewer` reads; `agent` also creates and updates; `admin` also blocks and activates.
* **Phones** are accepted in any common Indian format and stored as E.164.
* **Concurrency**: reads return an `ETag`; `PATCH` needs `If-Match` and answers 412 when the
  customer changed since you read it.
* **Errors** are RFC 9457 `application/problem+json`; a 422 lists every bad field in `errors`.
"""


def create_app(
    *, database_url: str, settings: Settings, uow_factory: UnitOfWorkFactory | None = None
) -> FastAPI:
    """Build the app. Tests pass `uow_factory` to run every request inside their transaction."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(database_url, settings)
        metrics.instrument_engine(engine, settings.pool_size)
        factory = uow_factory or (lambda: EngineUnitOfWork(engine))
        app.state.uow_factory = factory
        app.state.authenticator = TokenAuthenticator(factory)
        app.state.settings = settings
        app.state.engine = engine
        app.state.replicas = ReplicaRouter.from_settings(settings)
        app.state.access_log = AccessLog(
            engine,
            flush_interval_s=settings.access_log_flush_ms / 1000,
            batch_size=settings.access_log_batch,
        )
        app.state.access_log.start()
        app.state.event_wakeup = Wakeup(database_url)  # long polls of /events
        try:
            yield
        finally:
            await app.state.event_wakeup.close()
            await app.state.access_log.stop()  # writes what is still buffered
            if app.state.replicas is not None:
                await app.state.replicas.dispose()
            await engine.dispose()
            metrics.release_engine(settings.pool_size)

    app = FastAPI(
        title="Clientele",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestTransactionMiddleware)  # Idempotency-Key, audit of admin actions
    app.add_middleware(ReadYourWritesMiddleware)  # outside it: after the commit, the WAL position
    install_body_limit(app, settings)  # outside the above, so a buffered body is bounded
    app.add_middleware(RequestLogMiddleware)
    checks = [Depends(reject_unknown_query_parameters), Depends(require_json_body)]
    api = APIRouter(prefix="/api/v1", dependencies=checks)
    # Before the customers router: /customers/export must not be read as /customers/{id}.
    api.include_router(imports_router)
    api.include_router(callerid_router)  # before customers: /customers/{id} would take it
    api.include_router(customers_router)
    api.include_router(history_router)
    api.include_router(organizations_router)
    api.include_router(contacts_router)
    api.include_router(tickets_router)
    api.include_router(equipment_router)
    api.include_router(reports_router)
    api.include_router(audit_router)
    api.include_router(duplicates_router)
    api.include_router(privacy_router)
    api.include_router(events_router)
    api.include_router(webhooks_router)
    app.include_router(api)
    _add_health_routes(app)
    metrics.install_metrics(app)  # /metrics for Prometheus
    install_docs(app)  # /docs and /redoc from local assets
    install_web(app)  # the agents' pages at /, static files, security headers
    install_cors(app, settings)  # last, so outermost; adds nothing unless origins are set
    document_idempotency(app)
    install_openapi(app)  # last: Problem on every error answer, unique operation ids
    return app


def _add_health_routes(app: FastAPI) -> None:
    head = schema.head_revision()

    @app.get("/healthz", tags=["operations"], summary="Process is up")
    async def check_health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Database reachable and schema current",
        responses={503: {"description": "Not ready; `detail` says why."}},
    )
    async def check_readiness(request: Request) -> Any:
        try:
            async with request.app.state.uow_factory() as uow:
                current = await ops_repository.schema_version(uow.connection)
        except Exception:
            return problem(503, "Not ready", "the database is unreachable", slug="not-ready")
        if current != head:
            return problem(
                503,
                "Not ready",
                f"schema is at {current}, this release needs {head}",
                slug="not-ready",
            )
        answer: dict[str, Any] = {"status": "ready", "schema": current}
        if request.app.state.replicas is not None:
            # Informative only: reads fall back to the primary, so a replica never makes the
            # server unready.
            answer["replicas"] = await request.app.state.replicas.describe()
        return JSONResponse(answer)


def app_from_env() -> FastAPI:
    """The app for `uvicorn --factory` workers: the CLI has put the database URL in the env."""
    configure_logging()
    settings = load_settings()
    url = os.environ.get("CLIENTELE_DATABASE_URL")
    if not url:
        raise RuntimeError("CLIENTELE_DATABASE_URL must be set for server workers")
    app = create_app(database_url=url, settings=settings)
    app.openapi()  # built now, so it is frozen with the rest below
    # A worker's ~180,000 start-up objects (modules, models, routes) live as long as it does;
    # a full collection walking them took ~90 ms, stalling every request in flight (the p99 of
    # writes at c10). Frozen, collections walk only what requests create.
    gc.collect()
    gc.freeze()
    return app
