"""plan, migrate, verify, rollback on a real PostgreSQL holding messy legacy data."""

import json
from datetime import timedelta

import psycopg
from typer.testing import CliRunner

from clientele.cli import app
from clientele.legacy import ddl, normalize
from clientele.legacy.migrate import migrate
from clientele.legacy.verify import all_ok, verify
from tests.legacy.conftest import legacy_md5
from tests.legacy.generator import pairwise
from tests.legacy.helpers import catalog, linked, new_data_hash


def _cli(url, *args):
    return CliRunner().invoke(app, ["legacy", *args], env={"CLIENTELE_DATABASE_URL": url})


def test_plan_reads_only_and_lists_every_conflict_with_its_resolution(legacy_db):
    before, md5 = catalog(legacy_db.url), legacy_md5(legacy_db.url)
    result = _cli(legacy_db.url, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["phase"] == "legacy"
    assert plan["tickets"]["to_link"] == len(legacy_db.data.tickets)
    assert {"shared_phone", "ids_merged", "no_phone", "invalid_phone",
            "ticket_without_customer"} <= set(plan["conflicts_by_kind"])  # fmt: skip
    assert len(plan["conflicts"]) == sum(plan["conflicts_by_kind"].values())
    assert all(c["resolution"] for c in plan["conflicts"])
    assert catalog(legacy_db.url) == before
    assert legacy_md5(legacy_db.url) == md5


def test_migrate_links_every_ticket_accurately_and_verify_passes(legacy_db):
    report = migrate(legacy_db.url)
    assert report.tickets_linked == len(legacy_db.data.tickets)
    with ddl.connect(legacy_db.url) as conn:
        results = verify(conn)
    assert all_ok(results), [r for r in results if not r.ok]
    assert _cli(legacy_db.url, "verify").exit_code == 0
    links = linked(legacy_db.url)
    precision, recall = pairwise(links, legacy_db.data.truth)
    print(
        f"\nmigrated {len(links)} tickets: pairwise precision {precision:.4f}, recall {recall:.4f}"
    )
    assert precision >= 0.99
    assert recall >= 0.9


def test_a_second_migrate_changes_nothing(legacy_db):
    migrate(legacy_db.url)
    before = (new_data_hash(legacy_db.url), catalog(legacy_db.url))
    report = migrate(legacy_db.url)
    assert (report.customers_created, report.tickets_linked, report.ddl_steps) == (0, 0, 0)
    assert (new_data_hash(legacy_db.url), catalog(legacy_db.url)) == before


def test_rollback_restores_every_legacy_value_and_removes_every_new_object(legacy_db):
    schema_before, md5_before = catalog(legacy_db.url), legacy_md5(legacy_db.url)
    migrate(legacy_db.url)
    assert _cli(legacy_db.url, "rollback").exit_code == 0
    assert legacy_md5(legacy_db.url) == md5_before
    assert catalog(legacy_db.url) == schema_before
    migrate(legacy_db.url)  # and forward again
    with ddl.connect(legacy_db.url) as conn:
        assert all_ok(verify(conn))


def test_legacy_ids_in_any_spelling_find_their_customer(legacy_db):
    migrate(legacy_db.url)
    with psycopg.connect(legacy_db.url) as conn:
        query = "SELECT DISTINCT customer_id FROM service_tickets WHERE btrim(customer_id) <> ''"
        raw_ids = [r[0] for r in conn.execute(query)]
        held = {r[0] for r in conn.execute("SELECT legacy_id FROM customer_legacy_ids")}
    assert raw_ids
    assert all(normalize.legacy_id(raw) in held for raw in raw_ids)


def test_history_answers_the_phone_a_customer_had_before_it_changed(legacy_db):
    data = legacy_db.data
    migrate(legacy_db.url)
    links = linked(legacy_db.url)
    checked = 0
    with psycopg.connect(legacy_db.url) as conn:
        for index, _change_at, before, after in data.phone_changes:
            tickets = sorted(
                (r for r in data.tickets if data.truth[r[0]] == index), key=lambda r: r[11]
            )
            customers = {links[r[0]] for r in tickets}
            first = tickets[0]
            if len(customers) != 1 or normalize.phone(first[4]) != before:
                continue  # split by the resolver, or its first ticket carried no valid phone
            (customer,) = customers
            row = conn.execute(
                "SELECT row_data->>'primary_phone', source FROM customer_versions"
                " WHERE customer_id = %s AND valid @> %s::timestamptz",
                (customer, first[11] + timedelta(seconds=1)),
            ).fetchone()
            assert row == (before, "legacy")
            now = conn.execute("SELECT primary_phone FROM customers WHERE id = %s", (customer,))
            assert now.fetchone() in ((after,), (before,))  # latest valid phone typed
            checked += 1
    assert checked > 0
