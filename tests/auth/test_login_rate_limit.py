"""Web UI logins are rate-limited per username and per client address (in PostgreSQL)."""

from dataclasses import replace

import httpx

from clientele.app import create_app
from clientele.auth.domain import Role
from tests.support.web import UserMaker, log_in


async def test_five_failures_lock_the_username_for_the_window(web, users: UserMaker):
    password = await users("ravi", Role.AGENT)
    for _ in range(5):
        assert (await log_in(web, "ravi", "wrong")).status_code == 401
    locked = await log_in(web, "ravi", password)  # even the right password
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert int(locked.headers["Retry-After"]) > 0
    assert "clientele_session" not in web.cookies


async def test_a_success_before_the_limit_clears_the_count(web, users: UserMaker):
    password = await users("meera", Role.AGENT)
    for _ in range(4):
        await log_in(web, "meera", "wrong")
    assert (await log_in(web, "meera", password)).status_code == 303
    web.cookies.clear()  # a new browser
    for _ in range(4):
        assert (await log_in(web, "meera", "wrong")).status_code == 401


async def test_usernames_are_counted_case_insensitively(web, users: UserMaker):
    await users("kiran", Role.VIEWER)
    for name in ("kiran", "KIRAN", " Kiran", "kIran", "kiran "):
        await log_in(web, name, "wrong")
    assert (await log_in(web, "kiran", "wrong")).status_code == 429


async def test_one_address_trying_many_usernames_is_stopped(
    database_url, settings, uow_factory, users: UserMaker
):
    app = create_app(
        database_url=database_url,
        settings=replace(settings, login_max_failures_per_ip=3),
        uow_factory=uow_factory,
    )
    password = await users("anil", Role.VIEWER)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as web:
            for name in ("a1", "a2", "a3"):
                assert (await log_in(web, name, "guess")).status_code == 401
            assert (await log_in(web, "anil", password)).status_code == 429
