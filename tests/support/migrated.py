"""A migrated legacy database: the data the product exists for, as a test fixture.

The demo generator's messy legacy tickets are loaded, `legacy migrate` and `legacy finalize`
run on them exactly as an operator would, and then a person's first day happens through the
API: one customer blocked, one pair merged. Built once per session as a TEMPLATE database;
tests copy it (`CREATE DATABASE ... TEMPLATE`) and never touch the template itself.

`MigratedIds` names real rows of each awkward kind (no phone, no city, merged, blocked), so
sweeps fill path parameters with ids that exercise what clean fixtures hide.
"""

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

import httpx
import psycopg

from clientele import schema
from clientele.app import create_app
from clientele.config import load_settings
from clientele.demo.legacy_data import generate, load
from clientele.legacy.finalize import finalize
from clientele.legacy.migrate import migrate

# Big enough that every mess of the generator occurs (no-phone customers, Devanagari names,
# shared switchboards, phone changes), small enough to build in seconds.
CUSTOMERS = 150
SEED = 14


@dataclass(frozen=True)
class MigratedIds:
    """Real rows of the migrated database, one of each awkward kind."""

    phoneless: UUID
    cityless: UUID
    merged: UUID
    survivor: UUID
    blocked: UUID
    with_tickets: UUID
    ticket: UUID
    equipment: UUID
    organization: UUID | None
    contact: UUID | None
    merge: UUID
    webhook: UUID
    legacy_id: str

    def for_parameter(self, name: str) -> list[str]:
        """Real ids for a path parameter named `name` (`customer_id`: every awkward kind)."""
        pools = {
            "customer_id": [str(i) for i in self.customers().values()],
            "ticket_id": [str(self.ticket)],
            "equipment_id": [str(self.equipment)],
            "organization_id": [str(self.organization)] if self.organization else [],
            "contact_id": [str(self.contact)] if self.contact else [],
            "merge_id": [str(self.merge)],
            "webhook_id": [str(self.webhook)],
        }
        return pools.get(name, [])

    def customers(self) -> dict[str, UUID]:
        """The awkward customers by what makes them awkward."""
        return {
            "phoneless": self.phoneless,
            "cityless": self.cityless,
            "merged": self.merged,
            "survivor": self.survivor,
            "blocked": self.blocked,
            "with_tickets": self.with_tickets,
        }


def add_admin_token(url: str, name: str) -> dict[str, str]:
    """An admin API token written straight into `url`; the headers that carry it."""
    token = "clt_" + secrets.token_urlsafe(32)
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO api_tokens (name, role, token_hash) VALUES (%s, 'admin', %s)",
            (name, hashlib.sha256(token.encode()).digest()),
        )
    return {"Authorization": f"Bearer {token}"}


def _one(conn: psycopg.Connection[tuple[object, ...]], sql: str) -> object:
    row = conn.execute(sql).fetchone()
    assert row is not None, f"the migrated data has no row for: {sql}"
    return row[0]


def build(url: str) -> None:
    """Fill the empty database `url` with migrated legacy data, a block and a merge."""
    load(url, generate(CUSTOMERS, seed=SEED))
    migrate(url)
    finalize(url)
    schema.upgrade(url)
    with psycopg.connect(url) as conn:
        conn.execute("SELECT clientele_search_refresh()")
        # Two active customers with tickets: the second is merged into the first.
        survivor, duplicate = (
            row[0]
            for row in conn.execute(
                "SELECT c.id FROM customers c WHERE c.status = 'active' AND EXISTS"
                " (SELECT 1 FROM service_tickets t WHERE t.customer_id = c.id)"
                " ORDER BY c.created_at, c.id LIMIT 2"
            )
        )
        row = conn.execute(
            "SELECT id FROM customers WHERE status = 'active' AND id <> ALL(%s)"
            " ORDER BY created_at DESC, id LIMIT 1",
            ([survivor, duplicate],),
        ).fetchone()
        assert row is not None
        blocked = row[0]
    headers = add_admin_token(url, "fixture-setup")
    asyncio.run(_first_day(url, headers, blocked=blocked, survivor=survivor, duplicate=duplicate))
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM api_tokens WHERE name = 'fixture-setup'")
        conn.execute("ANALYZE")


async def _first_day(
    url: str, headers: dict[str, str], *, blocked: object, survivor: object, duplicate: object
) -> None:
    """An admin subscribes a webhook, blocks one customer and merges a pair, through the API as
    a person would (the block and the merge are then queued deliveries of the webhook)."""
    app = create_app(database_url=url, settings=load_settings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as client:
            answer = await client.post(
                "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/clientele-events"}
            )
            assert answer.status_code == 201, answer.text
            answer = await client.post(
                f"/api/v1/customers/{blocked}/block", json={"reason": "unpaid invoices"}
            )
            assert answer.status_code == 200, answer.text
            answer = await client.post(
                f"/api/v1/customers/{survivor}/merge", json={"duplicate_ids": [str(duplicate)]}
            )
            assert answer.status_code in (200, 201), answer.text
            answer = await client.get("/api/v1/events", params={"limit": 1})  # sequences them
            assert answer.status_code == 200, answer.text


_AWKWARD = {
    "phoneless": "SELECT id FROM customers WHERE primary_phone IS NULL ORDER BY id",
    "cityless": "SELECT id FROM customers WHERE city IS NULL ORDER BY id",
    "merged": "SELECT id FROM customers WHERE merged_into_id IS NOT NULL",
    "survivor": "SELECT merged_into_id FROM customers WHERE merged_into_id IS NOT NULL",
    "blocked": "SELECT id FROM customers WHERE status = 'blocked'",
    "with_tickets": "SELECT customer_id FROM service_tickets GROUP BY 1 ORDER BY count(*) DESC, 1",
    "ticket": "SELECT id FROM service_tickets ORDER BY created_at, id",
    "equipment": "SELECT id FROM equipment ORDER BY id",
    "merge": "SELECT id FROM merges",
    "webhook": "SELECT id FROM webhook_endpoints",
}
_OPTIONAL = {
    "organization": "SELECT id FROM organizations ORDER BY id",
    "contact": "SELECT id FROM customer_contacts ORDER BY id",
}


def awkward_ids(url: str) -> MigratedIds:
    """One real id of each awkward kind in a database built by `build`."""
    with psycopg.connect(url) as conn:
        found: dict[str, object] = {
            name: UUID(str(_one(conn, f"{sql} LIMIT 1"))) for name, sql in _AWKWARD.items()
        }
        for name, sql in _OPTIONAL.items():
            row = conn.execute(f"{sql} LIMIT 1").fetchone()
            found[name] = UUID(str(row[0])) if row else None
        found["legacy_id"] = str(
            _one(conn, "SELECT legacy_id FROM customer_legacy_ids ORDER BY legacy_id LIMIT 1")
        )
    return MigratedIds(**found)
