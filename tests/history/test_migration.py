"""Revision 0002 installs and removes cleanly, and gives rows that predate it a first version."""

import psycopg

from clientele import schema


def _objects(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT 'table ' || relname FROM pg_class WHERE relname LIKE '%versions%'"
            " AND relnamespace = 'public'::regnamespace"
            " UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proname LIKE 'clientele_%'"
            " UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).fetchall()
    return {row[0] for row in rows}


def test_upgrade_downgrade_to_base_and_upgrade_again_leave_the_same_schema(empty_database_url):
    schema.upgrade(empty_database_url)
    installed = _objects(empty_database_url)
    assert "table customer_versions" in installed
    assert "function clientele_history_backfill" in installed
    schema.downgrade(empty_database_url, "0001")
    assert _objects(empty_database_url) == set()
    schema.downgrade(empty_database_url, "base")
    schema.upgrade(empty_database_url)
    assert _objects(empty_database_url) == installed


def test_customers_that_exist_before_history_get_a_snapshot_version(empty_database_url):
    schema.upgrade(empty_database_url, "0001")
    with psycopg.connect(empty_database_url) as conn:
        conn.execute(
            "INSERT INTO customers (customer_type, name, primary_phone, created_at)"
            " VALUES ('clinic', 'Old Clinic', '+919876543210', '2020-05-01T00:00:00Z')"
        )
    schema.upgrade(empty_database_url)
    with psycopg.connect(empty_database_url) as conn:
        rows = conn.execute(
            "SELECT operation, source, lower(valid)::text, upper(valid), row_data->>'name'"
            " FROM customer_versions"
        ).fetchall()
    assert rows == [("snapshot", "sql", "2020-05-01 00:00:00+00", None, "Old Clinic")]
