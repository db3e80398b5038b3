"""Webhooks end to end: the API writes, `clientele worker` delivers to a real HTTP receiver."""

import asyncio
import contextlib
import dataclasses
import os
import random
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.config import Settings
from clientele.db import create_engine
from clientele.uow import EngineUnitOfWork
from clientele.webhooks import worker
from tests.events.receiver import Receiver, Running, verify
from tests.support.api import assert_problem, create_customer


@dataclasses.dataclass
class Live:
    url: str
    client: httpx.AsyncClient
    admin: dict[str, str]
    agent: dict[str, str]
    settings: Settings


@pytest.fixture
async def live(fresh_database_url: str, settings: Settings) -> AsyncIterator[Live]:
    """The app on a database of its own, committing for real."""
    fast = dataclasses.replace(settings, webhook_retry_base_ms=50, webhook_timeout_s=5)
    app = create_app(database_url=fresh_database_url, settings=fast)
    async with app.router.lifespan_context(app):
        engine = create_engine(fresh_database_url, settings)
        tokens = {
            role: await create_token(EngineUnitOfWork(engine), name=role.value, role=role)
            for role in (Role.ADMIN, Role.AGENT)
        }
        await engine.dispose()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Live(
                url=fresh_database_url,
                client=client,
                admin={"Authorization": f"Bearer {tokens[Role.ADMIN]}"},
                agent={"Authorization": f"Bearer {tokens[Role.AGENT]}"},
                settings=fast,
            )


@contextlib.asynccontextmanager
async def running_worker(live: Live, **overrides: Any) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(
        worker.run(live.url, dataclasses.replace(live.settings, **overrides), stop=stop)
    )
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def subscribe(live: Live, receiver: Receiver, **body: Any) -> dict[str, Any]:
    response = await live.client.post(
        "/api/v1/webhooks", json={"url": receiver.url, **body}, headers=live.admin
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def sql(url: str, statement: str, *params: Any) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement, params)


def stream(events: list[dict[str, Any]], customer_id: str) -> list[tuple[str, int]]:
    return [(e["type"], e["sequence"]) for e in events if e["customer_id"] == customer_id]


async def test_api_and_sql_changes_arrive_exactly_once_in_order_and_signed(live):
    with Running(Receiver()) as receiver:
        hook = await subscribe(live, receiver)
        a = await create_customer(live.client, live.agent, name="Kaveri Heart Institute")
        patched = await live.client.patch(
            f"/api/v1/customers/{a['id']}",
            json={"city": "Mysuru"},
            headers={**live.agent, "If-Match": '"1"'},
        )
        assert patched.status_code == 200, patched.text
        blocked = await live.client.post(
            f"/api/v1/customers/{a['id']}/block", json={"reason": "Duplicate"}, headers=live.admin
        )
        assert blocked.status_code == 200, blocked.text
        b = await create_customer(
            live.client, live.agent, name="Kaveri Heart Institute", city="Mysuru"
        )
        merge = await live.client.post(
            f"/api/v1/customers/{b['id']}/merge",
            json={"duplicate_ids": [a["id"]]},
            headers=live.admin,
        )
        assert merge.status_code == 201, merge.text
        undo = await live.client.post(
            f"/api/v1/merges/{merge.json()['id']}/undo", headers=live.admin
        )
        assert undo.status_code == 200, undo.text
        sql(live.url, "UPDATE customers SET address_line1 = '4 Temple Road' WHERE id = %s", a["id"])

        async with running_worker(live):
            await receiver.await_for(7)
            await asyncio.sleep(0.5)  # anything extra would show up now
        events = receiver.events()
        assert stream(events, a["id"]) == [
            ("customer.created", 1),
            ("customer.updated", 2),
            ("customer.blocked", 3),
            ("customer.merged", 4),
            ("customer.merge_undone", 5),
            ("customer.updated", 6),
        ]
        # b already had what a could fill: the merge changed nothing on it, so no event.
        assert stream(events, b["id"]) == [("customer.created", 1)]
        assert len(events) == 7
        by_type = {(e["customer_id"], e["sequence"]): e for e in events}
        merged = by_type[(a["id"], 4)]
        assert merged["merge"] == {"survivor_id": b["id"], "merged_ids": [a["id"]]}
        assert merged["source"] == "merge"
        assert by_type[(a["id"], 2)]["changes"]["city"] == {"old": None, "new": "Mysuru"}
        last = by_type[(a["id"], 6)]
        assert last["source"] == "sql"
        assert last["changes"] == {"address_line1": {"old": None, "new": "4 Temple Road"}}
        # Every delivery is signed with the subscription's secret; webhook-id names the event.
        for item in receiver.accepted:
            body = verify(hook["secret"], item)
            assert item.headers["webhook-id"] == f"evt_{body['data']['id']}"
            assert body["type"] == body["data"]["type"]
        ids = [item.headers["webhook-id"] for item in receiver.accepted]
        assert len(ids) == len(set(ids)), "delivered twice"
        log = await live.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.admin)
        assert {d["status"] for d in log.json()["items"]} == {"delivered"}


async def test_a_receiver_failing_its_first_three_deliveries_gets_them_later_in_order(live):
    with Running(Receiver(respond=lambda n: 500 if n < 3 else 200)) as receiver:
        hook = await subscribe(live, receiver, event_types=["customer.*"])
        a = await create_customer(live.client, live.agent)
        sql(live.url, "UPDATE customers SET city = 'Indore' WHERE id = %s", a["id"])
        sql(live.url, "UPDATE customers SET city = 'Bhopal' WHERE id = %s", a["id"])
        async with running_worker(live):
            events = await receiver.await_for(3)
        assert stream(events, a["id"]) == [
            ("customer.created", 1),
            ("customer.updated", 2),
            ("customer.updated", 3),
        ]
        # The first event was retried three times; nothing behind it overtook it.
        first_ids = [item.headers["webhook-id"] for item in receiver.seen[:4]]
        assert len(set(first_ids)) == 1
        log = (
            await live.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.admin)
        ).json()["items"]
        oldest = log[-1]
        assert oldest["attempts"] == 4
        assert oldest["status"] == "delivered"
        assert oldest["last_status_code"] == 200


async def test_exhausted_deliveries_can_be_replayed_and_a_failing_endpoint_pauses(live):
    with Running(Receiver(respond=lambda n: 503)) as receiver:
        hook = await subscribe(live, receiver)
        a = await create_customer(live.client, live.agent)
        async with running_worker(live, webhook_retry_max_s=0, webhook_pause_after=1):
            for _ in range(200):
                page = await live.client.get(f"/api/v1/webhooks/{hook['id']}", headers=live.admin)
                if page.json()["paused"]:
                    break
                await asyncio.sleep(0.05)
        assert page.json()["paused"]
        assert "503" in page.json()["pause_reason"]
        log = (
            await live.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.admin)
        ).json()["items"]
        assert [d["status"] for d in log] == ["exhausted"]
        assert log[0]["customer_id"] == a["id"]
        receiver.respond = lambda n: 200
        replay = await live.client.post(
            f"/api/v1/webhooks/{hook['id']}/deliveries/{log[0]['id']}/replay", headers=live.admin
        )
        assert replay.status_code == 200
        assert replay.json()["status"] == "pending"
        resumed = await live.client.post(
            f"/api/v1/webhooks/{hook['id']}/resume", headers=live.admin
        )
        assert resumed.json()["paused"] is False
        async with running_worker(live):
            events = await receiver.await_for(1)
        assert stream(events, a["id"]) == [("customer.created", 1)]


def _cli() -> str:
    return str(Path(sys.executable).parent / "clientele")


async def test_a_worker_killed_mid_batch_loses_nothing_and_another_takes_over(live):
    # The second request hangs (then fails): the first worker is killed while it waits.
    receiver = Receiver(
        respond=lambda n: 503 if n == 1 else 200, delay=lambda n: 20.0 if n == 1 else 0.0
    )
    with Running(receiver):
        await subscribe(live, receiver)
        customers = [await create_customer(live.client, live.agent) for _ in range(3)]
        for c in customers:
            sql(live.url, "UPDATE customers SET city = 'Kochi' WHERE id = %s", c["id"])
        env = {
            **os.environ,
            "CLIENTELE_DATABASE_URL": live.url,
            "CLIENTELE_WORKER_CONCURRENCY": "1",
        }
        # A real `clientele worker` process, so that it can be killed.
        first = subprocess.Popen(  # noqa: ASYNC220, S603
            [_cli(), "worker"], env=env, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(600):
                if len(receiver.seen) >= 2:
                    break
                await asyncio.sleep(0.05)
            assert len(receiver.seen) >= 2, "the first worker never got going"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        with psycopg.connect(live.url) as conn:
            pending = conn.execute(
                "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
            ).fetchone()
        assert pending is not None
        assert pending[0] == 6
        async with running_worker(live):
            await receiver.await_for(6 + 1)
            await asyncio.sleep(0.3)
        delivered = {item.headers["webhook-id"] for item in receiver.accepted}
        assert len(delivered) == 6
        seen_first: dict[str, dict[str, Any]] = {}
        for item in receiver.accepted:  # at least once: dedupe by webhook-id, as receivers do
            seen_first.setdefault(item.headers["webhook-id"], item.event)
        for c in customers:
            assert stream(list(seen_first.values()), c["id"]) == [
                ("customer.created", 1),
                ("customer.updated", 2),
            ]


async def test_two_workers_never_deliver_one_customers_events_out_of_order(live):
    jitter = random.Random(7)  # noqa: S311 - receiver delays, not secrets
    with Running(Receiver(delay=lambda n: jitter.random() * 0.01)) as receiver:
        await subscribe(live, receiver, event_types=["customer.updated"])
        customers = [await create_customer(live.client, live.agent) for _ in range(6)]
        with psycopg.connect(live.url, autocommit=True) as conn:
            for round_ in range(8):
                for c in customers:
                    conn.execute(
                        "UPDATE customers SET address_line1 = %s WHERE id = %s",
                        (f"{round_} Ring Road", c["id"]),
                    )
        async with (
            running_worker(live, worker_concurrency=4, worker_batch=3),
            running_worker(live, worker_concurrency=4, worker_batch=3),
        ):
            events = await receiver.await_for(48, seconds=60)
        for c in customers:
            assert [s for _, s in stream(events, c["id"])] == list(range(2, 10))


async def test_webhook_admin_endpoints_answer_bad_input_with_problems(live):
    client, admin = live.client, live.admin
    bad = [
        {"url": "ftp://example.com/hook"},
        {"url": "http://example.com/hook", "event_types": ["customer.exploded"]},
        {"url": "http://example.com/hook", "secret": "not-a-secret"},
    ]
    for body in bad:
        assert_problem(await client.post("/api/v1/webhooks", json=body, headers=admin), 422)
    assert_problem(
        await client.post("/api/v1/webhooks", json={"url": "http://x.test/"}, headers=live.agent),
        403,
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(await client.delete(f"/api/v1/webhooks/{missing}", headers=admin), 404)
    assert_problem(await client.get(f"/api/v1/webhooks/{missing}/deliveries", headers=admin), 404)
    created = (
        await client.post(
            "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=admin
        )
    ).json()
    assert created["secret"].startswith("whsec_")
    listed = (await client.get("/api/v1/webhooks", headers=admin)).json()["items"]
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert_problem(
        await client.post(
            f"/api/v1/webhooks/{created['id']}/deliveries/99999999/replay", headers=admin
        ),
        404,
    )
    assert (
        await client.delete(f"/api/v1/webhooks/{created['id']}", headers=admin)
    ).status_code == 204
    assert (await client.get("/api/v1/webhooks", headers=admin)).json()["items"] == []
