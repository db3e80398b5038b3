"""The online check's name blocking keys (revision 0013): kept by any write, and a very common
name reads a bounded candidate set that still holds the customer sharing more words."""

import itertools
from typing import Any

from sqlalchemy import text

from clientele.duplicates import repository as blocking

_phones = itertools.count(1)


async def _insert(conn: Any, name: str, city: str | None = "Mumbai") -> str:
    row = await conn.execute(
        text(
            "INSERT INTO customers (customer_type, name, primary_phone, city, status)"
            " VALUES ('clinic', :name, :phone, :city, 'active') RETURNING id::text"
        ),
        {"name": name, "phone": f"+9196{next(_phones):08d}", "city": city},
    )
    return str(row.scalar_one())


async def _keys(conn: Any, customer_id: str) -> set[str]:
    rows = await conn.execute(
        text("SELECT key FROM customer_blocking_keys WHERE customer_id = CAST(:id AS uuid)"),
        {"id": customer_id},
    )
    return set(rows.scalars())


async def _candidates(conn: Any, name: str, city: str | None = "Mumbai") -> list[str]:
    rows = await blocking.online_candidates(
        conn, exclude=None, phones=[], email=None, tax_id=None, name=name, city=city
    )
    return [str(r.id) for r in rows]


async def test_keys_follow_inserts_renames_moves_merges_and_deletes(connection):
    apex = await _insert(connection, "Apex Diagnostics Centre")
    assert await _keys(connection, apex) == {"mumbai|apex", "*|apex"}

    await connection.execute(
        text("UPDATE customers SET name = 'Apex Lotus Clinic', city = 'Pune' WHERE id = :id"),
        {"id": apex},
    )
    assert await _keys(connection, apex) == {
        "pune|apex", "pune|lotus", "pune|apex lotus", "*|apex lotus",
    }  # fmt: skip

    other = await _insert(connection, "Apex Lotus", "Pune")
    await connection.execute(
        text("UPDATE customers SET merged_into_id = :other WHERE id = :id"),
        {"id": apex, "other": other},
    )
    assert await _keys(connection, apex) == set()

    await connection.execute(text("DELETE FROM customers WHERE id = :id"), {"id": apex})
    await connection.execute(text("DELETE FROM customers WHERE id = :id"), {"id": other})
    assert await _keys(connection, other) == set()


async def test_a_very_common_name_returns_a_bounded_set_with_the_closer_name_in_it(connection):
    # 3 x PER_KEY customers share the word "sharma" in Mumbai; one also shares "rahul".
    await connection.execute(
        text(
            "INSERT INTO customers (customer_type, name, primary_phone, city, status)"
            " SELECT 'clinic', 'Sharma Clinic ' || i, '+9197' || lpad(i::text, 8, '0'),"
            " 'Mumbai', 'active' FROM generate_series(1, :n) AS i"
        ),
        {"n": 3 * blocking.PER_KEY},
    )
    rahul = await _insert(connection, "Rahul Sharma Clinic")
    sharmas = await connection.execute(
        text("SELECT count(*) FROM customer_blocking_keys WHERE key = 'mumbai|sarma'")
    )
    assert sharmas.scalar_one() > 3 * blocking.PER_KEY

    found = await _candidates(connection, "Dr. Rahul Sharma Hospital")

    assert len(found) <= blocking.LIMIT
    assert found[0] == rahul  # shares the pair key and the whole-name key too
    # The name branch itself reads at most PER_KEY customers per key.
    read = await connection.execute(
        text(
            "SELECT count(*) FROM unnest(clientele_blocking_keys('Sharma', 'Mumbai')) q (key),"
            " LATERAL (SELECT 1 FROM customer_blocking_keys b WHERE b.key = q.key"
            " LIMIT :per_key) k"
        ),
        {"per_key": blocking.PER_KEY},
    )
    assert read.scalar_one() <= 2 * blocking.PER_KEY


async def test_the_whole_name_is_found_in_another_city_and_without_one(connection):
    lotus = await _insert(connection, "Lotus Eye Hospital", "Pune")
    assert lotus in await _candidates(connection, "LOTUS EYE HOSPITALS", None)
    assert lotus in await _candidates(connection, "Lotus Eye Hospital", "Nashik")
    assert lotus not in await _candidates(connection, "Lotus Sai Clinic", "Nashik")
