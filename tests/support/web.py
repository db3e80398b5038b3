"""Web UI helpers and fixtures (registered in tests/conftest.py): users of each role, a
logged-in httpx client, the CSRF token of a page."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from clientele.app import create_app
from clientele.auth.domain import Actor, Role
from clientele.auth.users import create_user
from clientele.config import Settings
from clientele.customers import service as customers_service
from clientele.customers.domain import Customer
from clientele.uow import UnitOfWorkFactory

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SEED_ACTOR = Actor(name="seed", role=Role.ADMIN, kind="test")


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
    )


@pytest.fixture
async def web(
    database_url: str, settings: Settings, uow_factory: UnitOfWorkFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client (keeps cookies) on the app, inside the test's transaction."""
    app = create_app(database_url=database_url, settings=settings, uow_factory=uow_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def users(uow_factory: UnitOfWorkFactory) -> "UserMaker":
    return UserMaker(uow_factory)


class UserMaker:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, name: str, role: Role) -> str:
        """Create a user; return the generated password."""
        _, password = await create_user(self._uow_factory(), username=name, role=role)
        return password


async def logged_in(
    web: httpx.AsyncClient, users: UserMaker, role: Role, name: str | None = None
) -> httpx.AsyncClient:
    username = name or f"web-{role.value}"
    password = await users(username, role)
    answer = await log_in(web, username, password)
    assert answer.status_code == 303, answer.text
    return web


async def new_customer(uow_factory: UnitOfWorkFactory, **values: object) -> Customer:
    defaults: dict[str, object] = {
        "customer_type": "hospital",
        "name": "Sunrise Multispeciality Hospital",
        "primary_phone": "+912223456789",
        "city": "Mumbai",
    }
    return await customers_service.create_customer(
        uow_factory(), values={**defaults, **values}, actor=SEED_ACTOR
    )
