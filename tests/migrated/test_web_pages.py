"""The agents' pages render on migrated legacy data, for every awkward kind of customer."""

import re

import httpx
import psycopg
import pytest

from tests.support.migrated import MigratedIds

KINDS = ("phoneless", "cityless", "merged", "survivor", "blocked", "with_tickets")


def _name_of(url: str, customer_id: object) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT name FROM customers WHERE id = %s", (customer_id,)).fetchone()
    assert row is not None
    return str(row[0])


def _history_times(page: str) -> list[str]:
    return re.findall(r'href="/customers/[0-9a-f-]+\?as_of=([^"#]+)', page)


@pytest.mark.parametrize("kind", KINDS)
async def test_the_customer_page_and_its_past_render_for_each_awkward_customer(
    kind: str, migrated_web: httpx.AsyncClient, migrated_ids: MigratedIds, migrated_url: str
) -> None:
    customer_id = migrated_ids.customers()[kind]
    page = await migrated_web.get(f"/customers/{customer_id}")
    assert page.status_code == 200, page.text
    name = _name_of(migrated_url, customer_id)
    assert name.split()[0] in page.text or kind == "merged"
    for when in ("2024-06-01T12:00", "2030-01-01T00:00", "2025-03-01"):
        past = await migrated_web.get(f"/customers/{customer_id}", params={"as_of": when})
        assert past.status_code == 200, (when, past.text)
    edit = await migrated_web.get(f"/customers/{customer_id}/edit")
    assert edit.status_code == 200, edit.text
    ticket = await migrated_web.get(f"/customers/{customer_id}/tickets/new")
    assert ticket.status_code in (200, 303, 409), ticket.text


@pytest.mark.parametrize("kind", KINDS)
async def test_search_finds_each_awkward_customer_and_renders_its_hit(
    kind: str, migrated_web: httpx.AsyncClient, migrated_ids: MigratedIds, migrated_url: str
) -> None:
    customer_id = migrated_ids.customers()[kind]
    name = _name_of(migrated_url, customer_id)
    for q in (name, str(customer_id)):
        page = await migrated_web.get("/", params={"q": q})
        assert page.status_code == 200, page.text
        fragment = await migrated_web.get("/", params={"q": q}, headers={"HX-Request": "true"})
        assert fragment.status_code == 200, fragment.text
    by_id = await migrated_web.get("/", params={"q": str(customer_id)})
    assert f"/customers/{customer_id}" in by_id.text or kind == "merged"


async def test_reports_render_on_migrated_data(migrated_web: httpx.AsyncClient) -> None:
    for params in ({}, {"city": "Mumbai", "min_tickets": "1"}, {"from": "2024-01-01"}):
        page = await migrated_web.get("/reports", params=params)
        assert page.status_code == 200, page.text
        assert "<svg" in page.text


async def test_the_duplicates_queue_and_a_merge_render_on_migrated_data(
    migrated_web: httpx.AsyncClient, migrated_ids: MigratedIds
) -> None:
    queue = await migrated_web.get("/duplicates")
    assert queue.status_code == 200, queue.text
    merge = await migrated_web.get(f"/merges/{migrated_ids.merge}")
    assert merge.status_code == 200, merge.text
