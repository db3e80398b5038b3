"""Concurrent block/activate of one customer, and merges racing with edits.

Each test repeats its race `CLIENTELE_RACE_TRIALS` times (default 3); the numbers of the
documented larger run are in docs/security.md.
"""

import asyncio
import itertools
import os
from collections import Counter
from datetime import datetime

# Each race test repeats its race this many times (CI: a few; the documented run: hundreds).
TRIALS = int(os.environ.get("CLIENTELE_RACE_TRIALS", "3"))
CUSTOMERS = "/api/v1/customers"
RACERS = 6


async def _customer(client, headers, n, *, name="Race Hospital"):
    body = {"customer_type": "hospital", "name": f"{name} {n}", "primary_phone": f"98451{n:05d}"}
    answer = await client.post(CUSTOMERS, json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _history_is_contiguous(client, headers, customer_id):
    """Versions 1..n, each state's end is the next one's start: no gap, no overlap."""
    answer = await client.get(
        f"{CUSTOMERS}/{customer_id}/history", params={"limit": 200}, headers=headers
    )
    versions = list(reversed(answer.json()["items"]))  # oldest first
    assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
    for earlier, later in itertools.pairwise(versions):
        assert earlier["valid_to"] is not None
        assert datetime.fromisoformat(earlier["valid_to"]) == datetime.fromisoformat(
            later["valid_from"]
        )
    assert versions[-1]["valid_to"] is None
    return versions


def _one_winner(answers) -> bool:
    """Exactly one 200; the losers are told it is already so (409)."""
    statuses = Counter(a.status_code for a in answers)
    return statuses[200] == 1 and set(statuses) <= {200, 409}


async def test_losers_of_a_block_race_are_told_it_is_already_blocked(live):
    client, headers = live
    customer = await _customer(client, headers, 999)
    url = f"{CUSTOMERS}/{customer['id']}/block"
    blocks = await asyncio.gather(
        *[client.post(url, json={"reason": "r"}, headers=headers) for _ in range(RACERS)]
    )
    assert Counter(b.status_code for b in blocks) == {200: 1, 409: RACERS - 1}


async def test_concurrent_blocks_and_activations_let_exactly_one_win_each_transition(live):
    client, headers = live
    for trial in range(TRIALS):
        customer = await _customer(client, headers, trial)
        url = f"{CUSTOMERS}/{customer['id']}"
        blocks = await asyncio.gather(
            *[
                client.post(f"{url}/block", json={"reason": f"racer {i}"}, headers=headers)
                for i in range(RACERS)
            ]
        )
        assert _one_winner(blocks)
        activations = await asyncio.gather(
            *[client.post(f"{url}/activate", headers=headers) for _ in range(RACERS)]
        )
        assert _one_winner(activations)
        # Blocks and activations at once on an active customer: one block wins; an
        # activation either finds it active (409) or follows the block (200), never both.
        mixed = await asyncio.gather(
            *[
                client.post(f"{url}/block", json={"reason": "mixed"}, headers=headers)
                if i % 2 == 0
                else client.post(f"{url}/activate", headers=headers)
                for i in range(RACERS)
            ]
        )
        assert all(m.status_code in (200, 409) for m in mixed)
        wins = sum(1 for m in mixed if m.status_code == 200)
        versions = await _history_is_contiguous(client, headers, customer["id"])
        assert len(versions) == 3 + wins  # create, block, activate, then each mixed winner
        statuses = [v["changes"] for v in versions]
        assert len(statuses) == len(versions)
        final = (await client.get(url, headers=headers)).json()
        assert final["version"] == len(versions)


async def test_a_merge_racing_with_an_edit_of_the_duplicate_loses_nothing(live):
    client, headers = live
    for trial in range(TRIALS):
        survivor = await _customer(client, headers, 100 + trial, name="Survivor")
        duplicate = await _customer(client, headers, 200 + trial, name="Duplicate")
        dup_url = f"{CUSTOMERS}/{duplicate['id']}"
        patch, merge = await asyncio.gather(
            client.patch(
                dup_url, json={"city": f"Pune {trial}"}, headers={**headers, "If-Match": '"1"'}
            ),
            client.post(
                f"{CUSTOMERS}/{survivor['id']}/merge",
                json={"duplicate_ids": [duplicate["id"]]},
                headers=headers,
            ),
        )
        assert merge.status_code in (201, 409), merge.text
        assert patch.status_code in (200, 409, 412, 422), patch.text
        stored = (await client.get(dup_url, headers=headers)).json()
        if patch.status_code == 200:
            # The edit committed: it is in the stored row (merged or not), not lost.
            assert stored["city"] == f"Pune {trial}"
        if merge.status_code == 201:
            assert stored["merged_into_id"] == survivor["id"]
        else:
            assert stored["merged_into_id"] is None
        await _history_is_contiguous(client, headers, duplicate["id"])
        await _history_is_contiguous(client, headers, survivor["id"])
