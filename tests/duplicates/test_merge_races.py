"""Concurrent merges of overlapping sets, with real connections on a database of their own."""

import asyncio
from collections import Counter


async def test_concurrent_merges_of_overlapping_sets_cannot_both_win(live):
    client, headers = live
    ids = []
    for i in range(4):
        body = {
            "customer_type": "clinic",
            "name": f"Race Clinic {i}",
            "primary_phone": f"98450 1000{i}",
        }
        response = await client.post("/api/v1/customers", json=body, headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    a, b, c, d = ids
    # Every request merges B away: whichever commits first wins, the others find B merged.
    # (Chains are not conflicts: "A into B" then "B into C" is a valid sequence.)
    attempts = [(a, [b]), (c, [b]), (d, [b]), (c, [a, b])]
    for _round in range(2):
        responses = await asyncio.gather(
            *[
                client.post(
                    f"/api/v1/customers/{s}/merge", json={"duplicate_ids": dups}, headers=headers
                )
                for s, dups in attempts
            ]
        )
        statuses = Counter(r.status_code for r in responses)
        assert statuses == {201: 1, 409: 3}, [r.text for r in responses]
        winner = next(r.json() for r in responses if r.status_code == 201)
        customers = {
            i: (await client.get(f"/api/v1/customers/{i}", headers=headers)).json() for i in ids
        }
        merged = {i for i, c in customers.items() if c["merged_into_id"] is not None}
        assert merged == set(winner["duplicate_ids"])
        assert {customers[i]["merged_into_id"] for i in merged} == {winner["survivor_id"]}
        undo = await client.post(f"/api/v1/merges/{winner['id']}/undo", headers=headers)
        assert undo.status_code == 200, undo.text
