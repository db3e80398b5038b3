"""Idempotency-Key: a retry gets the first answer and writes nothing new."""

import asyncio
from collections import Counter

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from clientele.auth.domain import Role
from clientele.idempotency import repository as idempotency_keys
from tests.conftest import bearer

CUSTOMERS = "/api/v1/customers"
BODY = {"customer_type": "clinic", "name": "Idem Clinic", "primary_phone": "98450 11111"}


async def _count(client, headers, phone="9845011111"):
    answer = await client.get(f"{CUSTOMERS}/count", params={"phone": phone}, headers=headers)
    return answer.json()["count"]


async def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(client, agent):
    headers = {**agent, "Idempotency-Key": "create-1"}
    first = await client.post(CUSTOMERS, json=BODY, headers=headers)
    again = await client.post(CUSTOMERS, json=BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await _count(client, agent) == 1


async def test_json_key_order_and_spacing_do_not_make_a_different_request(client, agent):
    headers = {**agent, "Idempotency-Key": "order", "Content-Type": "application/json"}
    first = await client.post(
        CUSTOMERS,
        content=b'{"customer_type":"clinic","name":"Idem Clinic","primary_phone":"98450 11111"}',
        headers=headers,
    )
    again = await client.post(
        CUSTOMERS,
        content=b'{ "primary_phone": "98450 11111", "name": "Idem Clinic",'
        b' "customer_type": "clinic" }',
        headers=headers,
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]


async def test_the_same_key_with_a_different_body_is_a_422_problem(client, agent):
    headers = {**agent, "Idempotency-Key": "create-2"}
    assert (await client.post(CUSTOMERS, json=BODY, headers=headers)).status_code == 201
    other = await client.post(CUSTOMERS, json={**BODY, "name": "Other"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await _count(client, agent) == 1


async def test_the_same_key_on_another_path_is_a_422_problem(client, agent):
    headers = {**agent, "Idempotency-Key": "shared"}
    assert (await client.post(CUSTOMERS, json=BODY, headers=headers)).status_code == 201
    other = await client.post("/api/v1/organizations", json={"name": "Org"}, headers=headers)
    assert other.status_code == 422


async def test_keys_are_scoped_per_caller(client, agent, uow_factory):
    other_agent = await bearer(uow_factory, Role.AGENT, name="other-agent")
    first = await client.post(
        "/api/v1/organizations", json={"name": "A"}, headers={**agent, "Idempotency-Key": "k"}
    )
    second = await client.post(
        "/api/v1/organizations",
        json={"name": "A"},
        headers={**other_agent, "Idempotency-Key": "k"},
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert "Idempotent-Replayed" not in second.headers


async def test_a_refused_request_is_not_stored_so_a_corrected_retry_runs(client, agent):
    headers = {**agent, "Idempotency-Key": "fix-and-retry"}
    refused = await client.post(CUSTOMERS, json={**BODY, "primary_phone": "12"}, headers=headers)
    assert refused.status_code == 422
    fixed = await client.post(CUSTOMERS, json=BODY, headers=headers)
    assert fixed.status_code == 201


async def test_a_ticket_retry_opens_one_ticket(client, agent):
    customer = (await client.post(CUSTOMERS, json=BODY, headers=agent)).json()
    body = {"customer_id": customer["id"], "title": "X-ray tube noisy"}
    headers = {**agent, "Idempotency-Key": "ticket-1"}
    first = await client.post("/api/v1/tickets", json=body, headers=headers)
    again = await client.post("/api/v1/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["ticket_number"] == first.json()["ticket_number"]
    listed = await client.get(f"{CUSTOMERS}/{customer['id']}/tickets", headers=agent)
    assert len(listed.json()["items"]) == 1


async def test_an_invalid_key_is_a_422_problem(client, agent):
    answer = await client.post(
        CUSTOMERS, json=BODY, headers={**agent, "Idempotency-Key": "has space"}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await _count(client, agent) == 0


async def test_an_expired_key_is_forgotten(client, agent, connection):
    headers = {**agent, "Idempotency-Key": "old"}
    first = await client.post("/api/v1/organizations", json={"name": "Old"}, headers=headers)
    await connection.execute(
        text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
    )
    again = await client.post("/api/v1/organizations", json={"name": "Old"}, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


async def test_without_a_key_nothing_is_stored(client, agent, connection):
    await client.post(CUSTOMERS, json=BODY, headers=agent)
    stored = await connection.execute(text("SELECT count(*) FROM idempotency_keys"))
    assert stored.scalar_one() == 0


async def test_when_the_answer_cannot_be_stored_the_write_is_rolled_back_too(live, monkeypatch):
    """The write and its stored answer commit together: a failure in between leaves neither,
    and the client gets a 503 rather than a 201 for a write that did not happen."""
    client, headers = live

    async def broken_save(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("connection lost"))

    monkeypatch.setattr(idempotency_keys, "save", broken_save)
    answer = await client.post(CUSTOMERS, json=BODY, headers={**headers, "Idempotency-Key": "a"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert await _count(client, headers) == 0
    monkeypatch.undo()
    retry = await client.post(CUSTOMERS, json=BODY, headers={**headers, "Idempotency-Key": "a"})
    assert retry.status_code == 201
    assert await _count(client, headers) == 1


async def test_concurrent_duplicates_create_one_customer(live):
    """While the first request runs, duplicates get 409 (retry later) or, once it committed,
    the replayed answer; never a second customer."""
    client, headers = live
    keyed = {**headers, "Idempotency-Key": "burst"}
    answers = await asyncio.gather(
        *[client.post(CUSTOMERS, json=BODY, headers=keyed) for _ in range(8)]
    )
    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert (
        sum(1 for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a.headers)
        == 1
    )
    for conflict in (a for a in answers if a.status_code == 409):
        assert conflict.json()["type"].endswith("idempotency-key-in-use")
        assert conflict.headers["Retry-After"] == "1"
    assert await _count(client, headers) == 1
    replay = await client.post(CUSTOMERS, json=BODY, headers=keyed)
    assert replay.json()["id"] in created
