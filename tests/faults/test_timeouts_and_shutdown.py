"""Bounded waits and a graceful stop: a stuck query or an empty pool answers 503 quickly, and a
stopping server finishes the requests it has already accepted."""

import asyncio
import dataclasses
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

import httpx
import psycopg
import pytest

from clientele.app import create_app
from tests.support.live import free_port, wait_until_ready

CUSTOMERS = "/api/v1/customers"


def _seed(url: str) -> tuple[str, str]:
    """An admin token and one customer, committed."""
    token = "clt_" + secrets.token_urlsafe(32)
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO api_tokens (name, role, token_hash) VALUES ('ops', 'admin', %s)",
            (hashlib.sha256(token.encode()).digest(),),
        )
        row = conn.execute(
            "INSERT INTO customers (customer_type, name, primary_phone)"
            " VALUES ('clinic', 'Slow Clinic', '+919845011111') RETURNING id"
        ).fetchone()
    assert row is not None
    return token, str(row[0])


async def _client(url, settings, **limits):
    token, customer_id = _seed(url)
    app = create_app(database_url=url, settings=dataclasses.replace(settings, **limits))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, {"Authorization": f"Bearer {token}"}, customer_id, url


@pytest.fixture
async def slow_app(fresh_database_url, settings):
    """The app with a 300 ms statement timeout."""
    async for parts in _client(fresh_database_url, settings, statement_timeout_ms=300):
        yield parts


@pytest.fixture
async def busy_app(fresh_database_url, settings):
    """The app with one pooled connection, a 1 s pool timeout and a 3 s statement timeout."""
    async for parts in _client(
        fresh_database_url, settings, pool_size=1, pool_timeout_s=1, statement_timeout_ms=3000
    ):
        yield parts


async def test_a_query_stuck_on_a_lock_is_cancelled_into_a_503_and_changes_nothing(slow_app):
    client, headers, customer_id, url = slow_app
    url_one = f"{CUSTOMERS}/{customer_id}"
    await client.get(url_one, headers=headers)  # the token is cached: only the update waits
    with psycopg.connect(url) as blocker:
        blocker.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE", (customer_id,))
        started = time.monotonic()
        response = await client.patch(
            url_one, json={"city": "Pune"}, headers={**headers, "If-Match": "*"}
        )
        waited = time.monotonic() - started
        blocker.rollback()
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"]
    assert waited < 3
    assert (await client.get(url_one, headers=headers)).json()["city"] is None


async def test_a_request_that_finds_the_pool_empty_gets_a_503_within_the_pool_timeout(busy_app):
    client, headers, customer_id, url = busy_app
    url_one = f"{CUSTOMERS}/{customer_id}"
    await client.get(url_one, headers=headers)  # the token is cached
    with psycopg.connect(url) as blocker:
        blocker.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE", (customer_id,))
        # The PATCH holds the only pooled connection while it waits on the lock; the GET
        # behind it waits for the pool, at most the pool timeout.
        holder = asyncio.create_task(
            client.patch(url_one, json={"city": "Goa"}, headers={**headers, "If-Match": "*"})
        )
        await asyncio.sleep(0.2)
        started = time.monotonic()
        waiting = await client.get(CUSTOMERS, headers=headers)
        waited = time.monotonic() - started
        blocker.rollback()
        held = await holder
    assert waiting.status_code == 503
    assert waiting.headers["Retry-After"]
    assert 0.9 < waited < 2.5
    assert held.status_code == 200  # the request that had the connection still completes


def test_a_stopping_server_finishes_the_request_it_is_serving(fresh_database_url):
    token, customer_id = _seed(fresh_database_url)
    headers = {"Authorization": f"Bearer {token}", "If-Match": "*"}
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "clientele.app:app_from_env", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    env = {**os.environ, "CLIENTELE_DATABASE_URL": fresh_database_url}
    server = subprocess.Popen(command, env=env)  # noqa: S603
    base_url = f"http://127.0.0.1:{port}"
    result: dict[str, httpx.Response] = {}
    try:
        wait_until_ready(base_url, server)
        with psycopg.connect(fresh_database_url) as blocker:
            blocker.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE", (customer_id,))
            request = threading.Thread(
                target=lambda: result.setdefault(
                    "patch",
                    httpx.patch(
                        f"{base_url}{CUSTOMERS}/{customer_id}",
                        json={"city": "Nagpur"},
                        headers=headers,
                        timeout=20,
                    ),
                )
            )
            request.start()
            time.sleep(0.5)  # the PATCH is now in flight, waiting on the row lock
            server.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            blocker.rollback()  # let it finish
        request.join(timeout=20)
        # uvicorn finishes in-flight requests, then exits by the signal it caught.
        assert server.wait(timeout=20) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
    assert result["patch"].status_code == 200
    assert result["patch"].json()["city"] == "Nagpur"
