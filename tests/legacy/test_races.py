"""Races between the old application's trigger and migrate's backfill, played deterministically.

The planner may merge two legacy ids into one customer (same phone, same name), while the old
application, writing during `migrate`, makes the trigger create one customer per legacy id
before the backfill writes the merged one. Found by bench/legacy_bench.py at a million tickets
(verify: "tickets with a legacy id are linked to that id's customer"). Here each interleaving
is forced at a fixed point of `migrate`, with a second connection playing the old application.
"""

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from clientele.demo.legacy_data import LegacyData, load
from clientele.legacy import customers as customers_module
from clientele.legacy import ddl
from clientele.legacy import migrate as migrate_module
from clientele.legacy.migrate import migrate
from clientele.legacy.verify import all_ok, verify

T0 = datetime(2025, 1, 1, tzinfo=UTC)
PHONE = "+91 98123 45678"


def _ticket(number: int, lid: str | None, name: str, phone: str) -> tuple[object, ...]:
    when = T0 + timedelta(days=number)
    return (uuid.uuid4(), f"TKT-{number:07d}", lid, name, phone, None, None, "No power", None,
            "open", "medium", when, when, None)  # fmt: skip


def _two_ids_one_customer() -> tuple[LegacyData, dict[str, list[uuid.UUID]]]:
    """CUST-1 and CUST-2: the same clinic (same phone and name), so the plan merges them."""
    data = LegacyData()
    rows = [
        _ticket(1, "CUST-1", "Sunrise Diagnostics", PHONE),
        _ticket(2, "CUST-1", "Sunrise Diagnostics", PHONE),
        _ticket(3, "CUST-2", "SUNRISE DIAGNOSTICS", PHONE),
        _ticket(4, "cust-2 ", "Sunrise Diagnostics", PHONE),
        _ticket(5, "CUST-3", "Lotus Eye Care", "+91 99887 76655"),
    ]
    data.tickets = rows
    by_lid: dict[str, list[uuid.UUID]] = {}
    for r in rows:
        by_lid.setdefault(str(r[2]).strip().lower(), []).append(r[0])  # type: ignore[arg-type]
    return data, by_lid


def _old_app_retypes_phones(url: str, tickets: list[uuid.UUID]) -> None:
    """The old application re-types the phone of these tickets (one autocommit statement each)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for tid in tickets:
            conn.execute(
                "UPDATE service_tickets SET customer_phone = '098123 45678', updated_at = now()"
                " WHERE id = %s",
                (tid,),
            )


def _owners(url: str) -> dict[str, uuid.UUID]:
    with psycopg.connect(url) as conn:
        return {
            str(r[0]): r[1]
            for r in conn.execute("SELECT legacy_id, customer_id FROM customer_legacy_ids")
        }


def _links(url: str) -> dict[uuid.UUID, uuid.UUID]:
    with psycopg.connect(url) as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT id, customer_ref FROM service_tickets")}


def _assert_each_ticket_follows_its_legacy_id(url: str, by_lid: dict[str, list[uuid.UUID]]) -> None:
    owners, links = _owners(url), _links(url)
    for lid, tickets in by_lid.items():
        assert {links[t] for t in tickets} == {owners[lid]}, lid
    with ddl.connect(url) as conn:
        results = verify(conn)
    assert all_ok(results), [r for r in results if not r.ok]


@pytest.mark.parametrize("when", ["before the plan", "after the plan"])
def test_trigger_created_customers_for_two_ids_the_plan_merges_keep_their_tickets(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    url = empty_database_url
    data, by_lid = _two_ids_one_customer()
    load(url, data)
    # One ticket of each id re-typed by the old application once the triggers are installed:
    # the trigger creates a customer for CUST-1 and another for CUST-2 (it knows of no plan).
    first_of_each = [by_lid["cust-1"][0], by_lid["cust-2"][0]]
    progress: Callable[[str, int, int], None] | None = None
    if when == "before the plan":

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage == "schema":
                _old_app_retypes_phones(url, first_of_each)

        progress = on_progress
    else:
        plan_it = migrate_module.compute_resolution

        def plan_then_old_app_writes(conn: migrate_module.Conn) -> object:
            plan = plan_it(conn)
            _old_app_retypes_phones(url, first_of_each)
            return plan

        monkeypatch.setattr(migrate_module, "compute_resolution", plan_then_old_app_writes)

    migrate(url, progress=progress)

    owners = _owners(url)
    assert owners["cust-1"] != owners["cust-2"]  # the trigger made two customers
    _assert_each_ticket_follows_its_legacy_id(url, by_lid)
    with psycopg.connect(url) as conn:
        listed = conn.execute(
            "SELECT customer_ids FROM legacy_review_items WHERE kind = 'possible_duplicate'"
        ).fetchall()
    assert [sorted(r[0]) for r in listed] == [sorted([owners["cust-1"], owners["cust-2"]])]


def test_trigger_waits_for_the_batch_holding_its_legacy_id_then_finds_its_customer(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old application re-types a ticket of CUST-1 while the batch writing CUST-1 is open."""
    url = empty_database_url
    data, by_lid = _two_ids_one_customer()
    load(url, data)
    write_ids = customers_module._insert_legacy_ids
    done: list[BaseException | None] = []
    threads: list[threading.Thread] = []

    def old_app() -> None:
        try:
            _old_app_retypes_phones(url, [by_lid["cust-1"][0]])
            done.append(None)
        except BaseException as exc:  # pragma: no cover - reported below
            done.append(exc)

    def batch_with_the_old_app_waiting(conn: migrate_module.Conn, *args: object) -> None:
        # Inside the customers batch: it holds the advisory lock of CUST-1 and has written it.
        write_ids(conn, *args)  # type: ignore[arg-type]
        mine = conn.execute("SELECT 1 FROM customer_legacy_ids WHERE legacy_id = 'cust-1'")
        if threads or mine.fetchone() is None:
            return
        thread = threading.Thread(target=old_app, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        with psycopg.connect(url, autocommit=True) as watcher:
            while time.monotonic() < deadline:  # the old application's statement is blocked
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND"
                    " database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ).fetchone()
                if waiting and waiting[0]:
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the old application's update did not wait for the batch")
        assert not done
        threads.append(thread)

    monkeypatch.setattr(customers_module, "_insert_legacy_ids", batch_with_the_old_app_waiting)
    migrate(url)
    assert len(threads) == 1
    threads[0].join(10)
    assert done == [None]
    owners = _owners(url)
    assert owners["cust-1"] == owners["cust-2"]  # the planned customer, found by the trigger
    _assert_each_ticket_follows_its_legacy_id(url, by_lid)
