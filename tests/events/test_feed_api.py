"""GET /api/v1/events: commit order, cursors that never skip a late commit, long polls."""

import asyncio

import httpx
import psycopg
import pytest

from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.db import create_engine
from clientele.uow import EngineUnitOfWork
from tests.support.api import assert_problem, create_customer


async def test_the_feed_lists_changes_in_order_and_continues_from_its_cursor(client, agent, viewer):
    first = await client.get("/api/v1/events", headers=viewer)
    assert first.status_code == 200
    cursor = first.json()["next_cursor"]
    customer = await create_customer(client, agent, name="Apex Imaging Centre")
    response = await client.patch(
        f"/api/v1/customers/{customer['id']}",
        json={"city": "Nagpur"},
        headers={**agent, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    page = (await client.get("/api/v1/events", params={"after": cursor}, headers=viewer)).json()
    mine = [e for e in page["events"] if e["customer_id"] == customer["id"]]
    assert [(e["type"], e["sequence"]) for e in mine] == [
        ("customer.created", 1),
        ("customer.updated", 2),
    ]
    assert mine[1]["changes"]["city"] == {"old": None, "new": "Nagpur"}
    assert mine[1]["entity"] == {"type": "customer", "id": customer["id"]}
    assert mine[1]["source"] == "api"
    positions = [e["position"] for e in page["events"]]
    assert positions == sorted(positions)
    again = (
        await client.get("/api/v1/events", params={"after": page["next_cursor"]}, headers=viewer)
    ).json()
    assert again["events"] == []
    assert again["next_cursor"] == page["next_cursor"]


async def test_the_feed_filters_by_type_and_wildcard(client, agent, viewer):
    start = (await client.get("/api/v1/events", headers=viewer)).json()["next_cursor"]
    customer = await create_customer(client, agent)
    await client.post(
        f"/api/v1/customers/{customer['id']}/contacts",
        json={"name": "Dr Meera Iyer"},
        headers=agent,
    )
    only = await client.get(
        "/api/v1/events", params={"after": start, "types": "contact.*"}, headers=viewer
    )
    assert [e["type"] for e in only.json()["events"]] == ["contact.created"]


@pytest.mark.parametrize(
    "params",
    [{"after": "abc"}, {"after": "-1"}, {"types": "customer.exploded"}, {"wait": "99"},
     {"limit": "0"}],
)  # fmt: skip
async def test_bad_feed_parameters_are_problems(client, viewer, params):
    assert_problem(await client.get("/api/v1/events", params=params, headers=viewer), 422)


async def test_the_feed_needs_a_token(client):
    assert_problem(await client.get("/api/v1/events"), 401)


def _insert(conn: psycopg.Connection, name: str, phone: str) -> None:
    # Distinct words: the search vocabulary's rows are locked by the writer that adds a word.
    conn.execute("SET lock_timeout = '5s'")
    conn.execute(
        "INSERT INTO customers (customer_type, name, primary_phone, status, created_by,"
        " updated_by) VALUES ('clinic', %s, %s, 'active', 'sql', 'sql')",
        (name, phone),
    )


@pytest.fixture
async def committing_client(fresh_database_url, settings):
    """A client on an app that commits to a database of its own; a viewer's headers."""
    app = create_app(database_url=fresh_database_url, settings=settings)
    async with app.router.lifespan_context(app):
        engine = create_engine(fresh_database_url, settings)
        token = await create_token(EngineUnitOfWork(engine), name="feed", role=Role.VIEWER)
        await engine.dispose()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", timeout=70
        ) as client:
            yield client, {"Authorization": f"Bearer {token}"}


async def test_a_transaction_that_commits_late_is_not_skipped_by_a_cursor(
    fresh_database_url, committing_client
):
    client, headers = committing_client
    with (
        psycopg.connect(fresh_database_url) as early,
        psycopg.connect(fresh_database_url, autocommit=True) as late,
    ):
        _insert(early, "Aardvark", "+919811100001")  # lower id, still open
        _insert(late, "Zebrafish", "+919811100002")  # higher id, committed
        page = (await client.get("/api/v1/events", headers=headers)).json()
        assert [e["changes"]["name"]["new"] for e in page["events"]] == ["Zebrafish"]
        early.commit()
    after = (
        await client.get("/api/v1/events", params={"after": page["next_cursor"]}, headers=headers)
    ).json()
    assert [e["changes"]["name"]["new"] for e in after["events"]] == ["Aardvark"]
    assert after["events"][0]["id"] < page["events"][0]["id"]
    assert after["events"][0]["position"] > page["events"][0]["position"]


async def test_a_long_poll_returns_as_soon_as_a_change_commits(
    fresh_database_url, committing_client
):
    client, headers = committing_client
    start = (await client.get("/api/v1/events", headers=headers)).json()["next_cursor"]
    poll = asyncio.create_task(
        client.get("/api/v1/events", params={"after": start, "wait": 60}, headers=headers)
    )
    await asyncio.sleep(0.3)
    assert not poll.done()
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        _insert(conn, "Wombat", "+919811100003")
    # Well before the 60 s the poll may wait: the NOTIFY woke it.
    response = await asyncio.wait_for(poll, 30)
    assert [e["changes"]["name"]["new"] for e in response.json()["events"]] == ["Wombat"]
