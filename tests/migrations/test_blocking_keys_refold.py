"""Revision 0018: customers keyed by revision 0013 under the old name fold are re-keyed, so the
online duplicate check of "Saxena" finds a "Saksena" stored before revision 0012."""

import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine

from clientele import schema
from clientele.config import Settings
from clientele.db import create_engine
from clientele.duplicates import repository


async def _online_candidates(engine: AsyncEngine, name: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await repository.online_candidates(
            conn, exclude=None, phones=[], email=None, tax_id=None, name=name, city="Lucknow"
        )
    return [r.name for r in rows]


def _stale_customers(url: str) -> int:
    """Unmerged customers whose stored keys are not what `clientele_blocking_keys` computes now."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """
            SELECT count(*) FROM customers c
            WHERE c.merged_into_id IS NULL
              AND ARRAY(SELECT DISTINCT k FROM unnest(clientele_blocking_keys(c.name, c.city)) k
                        ORDER BY 1)
               <> ARRAY(SELECT b.key FROM customer_blocking_keys b
                        WHERE b.customer_id = c.id ORDER BY 1)
            """
        ).fetchone()
    assert row is not None
    return int(row[0])


async def test_a_customer_keyed_under_the_old_fold_is_found_after_the_upgrade(
    empty_database_url: str, settings: Settings
) -> None:
    url = empty_database_url
    schema.upgrade(url, "0014")  # the parent of 0013, which keys the existing customers
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO customers (customer_type, name, primary_phone, city)"
            " VALUES ('clinic', 'Saksena Clinic', '+919812345678', 'Lucknow'),"
            " ('clinic', 'Apex Diagnostics Centre', '+919812345679', 'Lucknow')"
        )
    engine = create_engine(url, settings)
    try:
        schema.upgrade(url, "0012")  # keys of 0013's fold; 0012 folds "ks" to x
        assert _stale_customers(url) == 1
        assert await _online_candidates(engine, "Saxena Clinic") == []

        schema.upgrade(url)

        assert _stale_customers(url) == 0
        assert await _online_candidates(engine, "Saxena Clinic") == ["Saksena Clinic"]
        assert await _online_candidates(engine, "Apex Diagnostics") == ["Apex Diagnostics Centre"]
    finally:
        await engine.dispose()
