"""Legacy history: the migration backdates versions from old tickets before the customer's
first recorded version, and the same endpoints answer for them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tests.history.conftest import create

BACKFILL = text(
    "SELECT clientele_history_backfill(:id, :at, CAST(:changes AS jsonb), 'legacy:ticket-import')"
)
JAN_2021 = datetime(2021, 1, 10, 9, 0, tzinfo=UTC)
JUN_2022 = datetime(2022, 6, 1, 9, 0, tzinfo=UTC)


async def _backfill(connection, customer_id, at, changes):
    await connection.execute(BACKFILL, {"id": customer_id, "at": at, "changes": changes})


async def test_backdated_legacy_versions_answer_as_of_reads_and_the_history(
    client, agent, viewer, connection
):
    customer = await create(client, agent)
    # Any order: the later one first, then one spliced in before it.
    await _backfill(connection, customer["id"], JUN_2022, '{"name": "Sunrise Hosp."}')
    await _backfill(
        connection,
        customer["id"],
        JAN_2021,
        '{"name": "SUNRISE HOSPITAL", "primary_phone": "+912223450000"}',
    )
    url = f"/api/v1/customers/{customer['id']}"

    in_2021 = await client.get(url, params={"as_of": "2021-06-01T00:00:00Z"}, headers=viewer)
    assert in_2021.status_code == 200, in_2021.text
    assert (in_2021.json()["name"], in_2021.json()["primary_phone"]) == (
        "SUNRISE HOSPITAL",
        "+912223450000",
    )
    in_2023 = await client.get(url, params={"as_of": "2023-01-01T00:00:00+05:30"}, headers=viewer)
    assert (in_2023.json()["name"], in_2023.json()["primary_phone"]) == (
        "Sunrise Hosp.",
        "+912223456789",
    )
    before = await client.get(url, params={"as_of": "2020-12-31T00:00:00Z"}, headers=viewer)
    assert before.status_code == 404

    items = (await client.get(f"{url}/history", headers=viewer)).json()["items"]
    assert [(i["operation"], i["source"]) for i in items] == [
        ("insert", "api"),
        ("update", "legacy"),
        ("update", "legacy"),
    ]
    assert items[1]["actor"] == "legacy:ticket-import"
    assert {c["field"]: (c["old"], c["new"]) for c in items[1]["changes"]} == {
        "name": ("SUNRISE HOSPITAL", "Sunrise Hosp."),
        "primary_phone": ("+912223450000", "+912223456789"),
    }
    assert {c["field"]: (c["old"], c["new"]) for c in items[0]["changes"]} == {
        "name": ("Sunrise Hosp.", "Sunrise Multispeciality Hospital"),
    }
    assert items[2]["valid_to"] == items[1]["valid_from"]
    timeline = (await client.get(f"{url}/timeline", headers=viewer)).json()["items"]
    assert (timeline[-1]["kind"], timeline[-1]["source"]) == ("created", "legacy")


async def test_legacy_history_cannot_be_written_after_the_first_recorded_version(
    client, agent, connection
):
    customer = await create(client, agent)
    with pytest.raises(DBAPIError, match="must precede"):
        async with connection.begin_nested():
            await _backfill(connection, customer["id"], datetime.now(UTC), '{"name": "Later"}')


async def test_legacy_history_needs_a_recorded_customer_and_a_free_start_time(
    client, agent, connection
):
    with pytest.raises(DBAPIError, match="no recorded history"):
        async with connection.begin_nested():
            await _backfill(
                connection, "00000000-0000-4000-8000-000000000000", JAN_2021, '{"name": "X"}'
            )
    customer = await create(client, agent)
    await _backfill(connection, customer["id"], JAN_2021, '{"name": "Old"}')
    with pytest.raises(DBAPIError, match="already has a version"):
        async with connection.begin_nested():
            await _backfill(connection, customer["id"], JAN_2021, '{"name": "Other"}')
