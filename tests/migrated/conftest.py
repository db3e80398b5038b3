"""A copy of the migrated legacy template, an app on it, an admin token and a web login."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.users import create_user
from clientele.config import Settings
from clientele.db import create_engine
from clientele.uow import EngineUnitOfWork
from tests.support.live import database_copy
from tests.support.migrated import MigratedIds, add_admin_token, awkward_ids
from tests.support.web import log_in


@pytest.fixture(scope="session")
def migrated_url(server_url: str, migrated_template_database: str) -> Iterator[str]:
    """One copy of the migrated template for the read-only tests of this package."""
    with database_copy(server_url, migrated_template_database, "clientele_migrated") as url:
        yield url


@pytest.fixture(scope="session")
def migrated_ids(migrated_url: str) -> MigratedIds:
    return awkward_ids(migrated_url)


@pytest.fixture(scope="session")
def migrated_admin(migrated_url: str) -> dict[str, str]:
    return add_admin_token(migrated_url, "migrated-sweep")


@pytest.fixture(scope="session")
async def migrated_app_client(
    migrated_url: str, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app serving the migrated copy (committing, like production)."""
    app = create_app(database_url=migrated_url, settings=settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture(scope="session")
async def migrated_web(migrated_url: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client logged in as an admin on the migrated copy."""
    engine = create_engine(migrated_url, settings)
    try:
        _, password = await create_user(
            EngineUnitOfWork(engine), username="migrated-admin", role=Role.ADMIN
        )
    finally:
        await engine.dispose()
    app = create_app(database_url=migrated_url, settings=settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await log_in(client, "migrated-admin", password)
            assert answer.status_code == 303, answer.text
            yield client
