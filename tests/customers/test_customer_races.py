"""Races between real concurrent requests, on committed data in a database of their own."""

import asyncio
from collections import Counter

CUSTOMERS = "/api/v1/customers"


async def test_concurrent_creates_with_one_phone_give_exactly_one_customer(live):
    client, headers = live
    body = {"customer_type": "clinic", "name": "Race Clinic", "primary_phone": "98450 00001"}
    responses = await asyncio.gather(
        *[client.post(CUSTOMERS, json=body, headers=headers) for _ in range(8)]
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 7}
    winner = next(r.json()["id"] for r in responses if r.status_code == 201)
    assert {r.json()["existing_customer_id"] for r in responses if r.status_code == 409} == {winner}
    count = await client.get(f"{CUSTOMERS}/count", params={"phone": "9845000001"}, headers=headers)
    assert count.json() == {"count": 1}


async def test_concurrent_patches_with_the_same_etag_let_exactly_one_win(live):
    client, headers = live
    created = await client.post(
        CUSTOMERS,
        json={"customer_type": "lab", "name": "Race Lab", "primary_phone": "98450 00002"},
        headers=headers,
    )
    url = created.headers["Location"]
    responses = await asyncio.gather(
        *[
            client.patch(url, json={"city": f"City {i}"}, headers={**headers, "If-Match": '"1"'})
            for i in range(6)
        ]
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: 5}
    winner = next(r.json() for r in responses if r.status_code == 200)
    stored = (await client.get(url, headers=headers)).json()
    assert stored["city"] == winner["city"]
    assert stored["version"] == 2
