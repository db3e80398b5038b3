"""The hand-written revisions: they go up, down and up again, and match the Core tables."""

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool

from clientele import schema
from clientele.db import metadata, sqlalchemy_url


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {name for (name,) in rows}


def test_upgrade_downgrade_upgrade_leaves_the_same_schema(fresh_database_url):
    url = fresh_database_url
    at_head = _tables(url)
    assert {"customers", "organizations", "customer_contacts", "service_tickets"} <= at_head
    schema.downgrade(url, "base")
    assert _tables(url) == {"alembic_version"}
    assert schema.current_revision(url) is None
    schema.upgrade(url)
    assert _tables(url) == at_head
    assert schema.is_current(url)


def test_every_revision_downgrades_one_step_at_a_time(fresh_database_url):
    url = fresh_database_url
    while schema.current_revision(url) is not None:
        schema.downgrade(url, "-1")
    schema.upgrade(url)
    assert schema.is_current(url)


def test_the_core_table_descriptions_match_what_the_revisions_create(fresh_database_url):
    """Queries are built from `clientele.tables`; a drift would break them at run time."""
    import clientele.tables  # noqa: F401 - registers the tables on the metadata

    engine = create_engine(sqlalchemy_url(fresh_database_url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = compare_metadata(context, metadata)
    engine.dispose()
    # Only columns and tables matter here; indexes and constraints live in the revisions.
    relevant = [
        d
        for d in differences
        if not isinstance(d, list)
        and d[0] in ("add_table", "remove_table", "add_column", "remove_column")
        and not (d[0] == "remove_table" and d[1].name == "alembic_version")
    ]
    column_changes = [d for d in differences if isinstance(d, list)]
    assert relevant == []
    assert column_changes == []


@pytest.mark.parametrize("table", ["customers", "service_tickets", "equipment"])
def test_customer_references_are_uuid_foreign_keys_that_restrict_deletes(fresh_database_url, table):
    with psycopg.connect(fresh_database_url) as conn:
        row = conn.execute(
            """
            SELECT c.confdeltype, a.atttypid::regtype::text
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s
            """,
            (table, "merged_into_id" if table == "customers" else "customer_id"),
        ).fetchone()
    assert row == ("r", "uuid")
