"""Security fixtures: an app on a database of its own, for tests that need real commits."""

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.config import Settings
from clientele.db import create_engine
from clientele.uow import EngineUnitOfWork
from tests.web.conftest import users, web  # noqa: F401 - the web UI fixtures, reused


@pytest.fixture
async def live(
    fresh_database_url: str, settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A client on an app with its own pool, and admin headers, on a database of its own."""
    engine = create_engine(fresh_database_url, settings)
    token = await create_token(EngineUnitOfWork(engine), name="live-admin", role=Role.ADMIN)
    await engine.dispose()
    app = create_app(database_url=fresh_database_url, settings=replace(settings, pool_size=20))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, {"Authorization": f"Bearer {token}"}
