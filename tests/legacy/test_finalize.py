"""finalize: the schema becomes a fresh install's, and the API serves the migrated data."""

# ruff: noqa: E501 - request lines read best whole

from datetime import timedelta

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.cli import app
from clientele.config import load_settings
from clientele.db import create_engine
from clientele.legacy import ddl
from clientele.legacy.migrate import migrate
from clientele.legacy.rollback import rollback
from clientele.legacy.verify import all_ok, verify
from clientele.uow import EngineUnitOfWork
from tests.legacy.helpers import catalog
from tests.migrations.doc_schema import differences_from_doc


def _differences(a, b):
    return {k: (sorted(a[k] - b[k]), sorted(b[k] - a[k])) for k in a if a[k] != b[k]}


def test_finalize_leaves_the_schema_of_a_fresh_install(legacy_db, fresh_database_url):
    migrate(legacy_db.url)
    result = CliRunner().invoke(
        app, ["legacy", "finalize", "--batch-size", "500"],
        env={"CLIENTELE_DATABASE_URL": legacy_db.url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # Compared as sets of (table, column, type, length, nullable, default), constraint
    # definitions and validity, index definitions and validity, triggers, functions (by source
    # hash), extensions: everything but column order.
    assert _differences(catalog(legacy_db.url), catalog(fresh_database_url)) == {}
    assert differences_from_doc(legacy_db.url) == []
    with ddl.connect(legacy_db.url) as conn:
        assert all_ok(verify(conn))
        statuses = {r[0] for r in conn.execute("SELECT DISTINCT status FROM service_tickets")}
        assert statuses <= {"open", "in_progress", "closed"}
        archived = conn.execute(
            "SELECT count(*) FROM legacy_archive WHERE table_name = 'service_tickets'"
            " AND data->>'status' = 'Resolved'"
        ).fetchone()
        assert archived is not None
        assert archived[0] > 0
    with pytest.raises(ddl.MigrationError, match="one-way"):
        rollback(legacy_db.url)


async def test_the_api_serves_migrated_customers_tickets_and_history(legacy_db):
    from clientele.legacy.finalize import finalize

    migrate(legacy_db.url)
    finalize(legacy_db.url)
    with psycopg.connect(legacy_db.url) as conn:
        row = conn.execute(
            "SELECT l.original_value, c.id, c.created_at, (SELECT count(*) FROM service_tickets t"
            " WHERE t.customer_id = c.id) FROM customer_legacy_ids l JOIN customers c"
            " ON c.id = l.customer_id WHERE c.status = 'active' ORDER BY 4 DESC LIMIT 1"
        ).fetchone()
    assert row is not None
    original, customer_id, created_at, tickets = row
    settings = load_settings()
    engine = create_engine(legacy_db.url, settings)
    token = await create_token(EngineUnitOfWork(engine), name="legacy-test", role=Role.ADMIN)
    await engine.dispose()
    web = create_app(database_url=legacy_db.url, settings=settings)
    headers = {"Authorization": f"Bearer {token}"}
    async with web.router.lifespan_context(web):
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            found = await client.get("/api/v1/customers", params={"legacy_id": f" {original.upper()} "}, headers=headers)  # fmt: skip
            assert found.status_code == 200, found.text
            assert [c["id"] for c in found.json()["items"]] == [str(customer_id)]
            listed = await client.get(f"/api/v1/customers/{customer_id}/tickets", params={"limit": 200}, headers=headers)  # fmt: skip
            assert listed.status_code == 200, listed.text
            assert len(listed.json()["items"]) == tickets
            then = (created_at + timedelta(seconds=1)).isoformat()
            past = await client.get(f"/api/v1/customers/{customer_id}", params={"as_of": then}, headers=headers)  # fmt: skip
            assert past.status_code == 200, past.text
