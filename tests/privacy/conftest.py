"""An app whose access log the test flushes itself, and a retention of 30 days."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from clientele.app import create_app
from clientele.config import Settings
from clientele.uow import UnitOfWorkFactory

RETENTION_DAYS = 30


@pytest.fixture
async def app(
    database_url: str, settings: Settings, uow_factory: UnitOfWorkFactory
) -> AsyncIterator[FastAPI]:
    """Requests run inside the test's transaction; the access log is written only when the test
    calls `app.state.access_log.flush()` (in its own committed transaction, as in production)."""
    configured = dataclasses.replace(
        settings,
        privacy_retention_days=RETENTION_DAYS,
        access_log_flush_ms=3_600_000,
        access_log_batch=1_000_000,
    )
    application = create_app(
        database_url=database_url, settings=configured, uow_factory=uow_factory
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client on that app (keeps cookies, for the web UI)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
