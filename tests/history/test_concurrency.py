"""Concurrent writers of one customer: one version each, ranges that tile time exactly."""

import asyncio
import itertools

import psycopg

WRITERS = 8
WRITES_EACH = 5


async def _writer(url: str, customer_id: object, number: int) -> None:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        for write in range(WRITES_EACH):
            async with conn.transaction():
                await conn.execute(
                    "SELECT set_config('clientele.actor', %s, true)", (f"token:w{number}",)
                )
                await conn.execute(
                    "UPDATE customers SET city = %s, version = version + 1 WHERE id = %s",
                    (f"w{number}-{write}", customer_id),
                )


async def test_concurrent_updates_each_leave_one_version_and_ranges_neither_overlap_nor_gap(
    fresh_database_url,
):
    async with await psycopg.AsyncConnection.connect(fresh_database_url, autocommit=True) as conn:
        cursor = await conn.execute(
            "INSERT INTO customers (customer_type, name, primary_phone) "
            "VALUES ('hospital', 'Lilavati Hospital', '+912226751000') RETURNING id"
        )
        (customer_id,) = await cursor.fetchone()

        await asyncio.gather(*(_writer(fresh_database_url, customer_id, n) for n in range(WRITERS)))

        cursor = await conn.execute(
            "SELECT lower(valid), upper(valid), (row_data->>'version')::int, row_data->>'city',"
            " actor FROM customer_versions WHERE customer_id = %s ORDER BY lower(valid)",
            (customer_id,),
        )
        versions = await cursor.fetchall()
        (current_city,) = await (
            await conn.execute("SELECT city FROM customers WHERE id = %s", (customer_id,))
        ).fetchone()

    assert len(versions) == 1 + WRITERS * WRITES_EACH
    # Each committed write is one version, in commit order: the row versions count up by one.
    assert [v[2] for v in versions] == list(range(1, 2 + WRITERS * WRITES_EACH))
    for earlier, later in itertools.pairwise(versions):
        assert earlier[0] < earlier[1] == later[0]
    assert versions[-1][1] is None
    assert versions[-1][3] == current_city
    cities = sorted(v[3] for v in versions[1:])
    assert cities == sorted(f"w{n}-{w}" for n in range(WRITERS) for w in range(WRITES_EACH))
