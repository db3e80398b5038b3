"""The old application's waits: migrate's backfill transactions are short and bounded by time.

Each interleaving is forced with a second connection playing the old application, as in
test_races.py: a batch that overruns its budget is rolled back (the old application waiting
for it goes on) and retried smaller; a lock the old application holds makes the batch back
off instead of holding its other locks; a run killed between a batch and its history writes
that history on the next run.
"""

import threading
import time
import uuid

import psycopg
import pytest

from clientele.demo.legacy_data import load
from clientele.legacy import customers as customers_module
from clientele.legacy import ddl, pacing
from clientele.legacy import migrate as migrate_module
from clientele.legacy.migrate import ACTOR, migrate
from tests.legacy.conftest import LegacyDatabase
from tests.legacy.test_races import (
    _assert_each_ticket_follows_its_legacy_id,
    _owners,
    _two_ids_one_customer,
)


class OldAppStatement(threading.Thread):
    """One old-application statement (autocommit), timed; `hold_s` keeps its transaction open."""

    def __init__(self, url: str, sql: str, params: tuple[object, ...], hold_s: float = 0.0):
        super().__init__(daemon=True)
        self.url, self.sql, self.params, self.hold_s = url, sql, params, hold_s
        self.seconds = -1.0
        self.error: BaseException | None = None
        self.written = threading.Event()

    def run(self) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True) as conn, conn.transaction():
                started = time.perf_counter()
                conn.execute(self.sql, self.params)
                self.seconds = time.perf_counter() - started
                self.written.set()
                time.sleep(self.hold_s)
        except BaseException as exc:  # pragma: no cover - asserted by the tests
            self.error = exc
            self.written.set()


RETYPE_PHONE = (
    "UPDATE service_tickets SET customer_phone = '098123 45678', updated_at = now() WHERE id = %s"
)
INSERT_TICKET = (
    "INSERT INTO service_tickets (id, ticket_number, customer_id, customer_name, customer_phone,"
    " title, status) VALUES (%s, %s, 'CUST-1', 'Sunrise Diagnostics', '9812345678', 'Online',"
    " 'Open')"
)


def _wait_until_blocked(url: str) -> None:
    """Until a statement of the database waits for an advisory lock (the old application's)."""
    deadline = time.monotonic() + 10
    with psycopg.connect(url, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND"
                " database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.01)
    pytest.fail("the old application's statement did not wait for the batch")


def test_a_batch_over_its_budget_is_rolled_back_and_the_old_application_goes_on(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customers batch stalls (a loaded machine) while the old application waits for it."""
    url = empty_database_url
    data, by_lid = _two_ids_one_customer()
    load(url, data)
    write_ids = customers_module._insert_legacy_ids
    old_app: list[OldAppStatement] = []

    def stalled_batch(conn: migrate_module.Conn, rows: list[tuple[str, uuid.UUID, str]]) -> None:
        write_ids(conn, rows)
        if old_app or not any(lid == "cust-1" for lid, _, _ in rows):
            return
        # The batch holds the advisory lock of CUST-1: the old application re-types a ticket
        # of CUST-1 and waits for it; then the batch stalls far beyond its budget.
        old_app.append(OldAppStatement(url, RETYPE_PHONE, (by_lid["cust-1"][0],)))
        old_app[0].start()
        _wait_until_blocked(url)
        conn.execute("SELECT pg_sleep(5)")  # cancelled by the batch's statement_timeout

    monkeypatch.setattr(customers_module, "_insert_legacy_ids", stalled_batch)
    report = migrate(url)
    old_app[0].join(10)
    assert old_app[0].error is None
    assert 0 <= old_app[0].seconds < pacing.HOLD_LIMIT_S + 0.3
    assert report.pacing["customers"]["retries"] >= 1
    # The batch was rolled back before CUST-1 was committed: the trigger gave CUST-1 a customer,
    # which the retried batch found and used for the plan's customer (CUST-1 and CUST-2).
    owners = _owners(url)
    assert owners["cust-1"] == owners["cust-2"]
    _assert_each_ticket_follows_its_legacy_id(url, by_lid)


def test_migrate_backs_off_while_the_old_application_holds_a_lock_of_its_batch(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long old-application transaction holds CUST-1's advisory lock when the batch starts."""
    url = empty_database_url
    data, by_lid = _two_ids_one_customer()
    load(url, data)
    plan_it = migrate_module.compute_resolution
    old_app = OldAppStatement(url, INSERT_TICKET, (uuid.uuid4(), "ONL-1"), hold_s=1.5)

    def plan_then_old_app_writes(conn: migrate_module.Conn) -> object:
        plan = plan_it(conn)
        old_app.start()  # its trigger creates CUST-1's customer, and commits 1.5 s later
        assert old_app.written.wait(10)
        return plan

    monkeypatch.setattr(migrate_module, "compute_resolution", plan_then_old_app_writes)
    report = migrate(url)
    old_app.join(10)
    assert old_app.error is None
    # Waited LOCK_WAIT_MS each time: the vocabulary batch (the old application's uncommitted
    # customer holds the name too) or the customers batch (the legacy id's advisory lock).
    assert sum(p["retries"] for p in report.pacing.values()) >= 2
    owners = _owners(url)
    assert owners["cust-1"] == owners["cust-2"]  # the old application's customer, found
    with psycopg.connect(url) as conn:
        creator = conn.execute(
            "SELECT created_by FROM customers WHERE id = %s", (owners["cust-1"],)
        )
        assert (creator.fetchone() or [""])[0] != ACTOR
    by_lid["cust-1"].append(old_app.params[0])  # type: ignore[arg-type]
    _assert_each_ticket_follows_its_legacy_id(url, by_lid)


def test_migrate_gives_up_on_a_lock_never_released_and_a_re_run_completes(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = empty_database_url
    data, by_lid = _two_ids_one_customer()
    load(url, data)
    monkeypatch.setattr(pacing, "RETRY_ATTEMPTS", 3)
    monkeypatch.setattr(pacing, "RETRY_BACKOFF_S", (0.01, 0.02))
    plan_it = migrate_module.compute_resolution
    old_app = OldAppStatement(url, INSERT_TICKET, (uuid.uuid4(), "ONL-1"), hold_s=3)

    def plan_then_old_app_writes(conn: migrate_module.Conn) -> object:
        plan = plan_it(conn)
        old_app.start()
        assert old_app.written.wait(10)
        return plan

    monkeypatch.setattr(migrate_module, "compute_resolution", plan_then_old_app_writes)
    with pytest.raises(ddl.MigrationError, match="pg_stat_activity"):
        migrate(url)
    old_app.join(10)
    assert old_app.error is None
    monkeypatch.setattr(migrate_module, "compute_resolution", plan_it)
    migrate(url)
    by_lid["cust-1"].append(old_app.params[0])  # type: ignore[arg-type]
    _assert_each_ticket_follows_its_legacy_id(url, by_lid)


def _legacy_history(url: str) -> set[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return {
            tuple(r)
            for r in conn.execute(
                "SELECT customer_id, lower(valid), upper(valid) IS NULL, operation,"
                " array_to_string(changed_fields, ','), row_data->>'primary_phone',"
                " row_data->>'name'"
                " FROM customer_versions WHERE source = 'legacy'"
            )
        }


def test_history_of_a_batch_killed_before_it_is_written_on_the_next_run(
    legacy_db: LegacyDatabase, second_legacy_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history transaction follows the batch's: a kill in between loses nothing."""
    write_history = customers_module._write_history
    calls: list[int] = []

    def killed_on_the_third_batch(conn: migrate_module.Conn, customers: object) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise ddl.MigrationError("killed (testing)")
        return write_history(conn, customers)  # type: ignore[arg-type]

    monkeypatch.setattr(customers_module, "_write_history", killed_on_the_third_batch)
    with pytest.raises(ddl.MigrationError, match="killed"):
        migrate(legacy_db.url)
    with psycopg.connect(legacy_db.url) as conn:
        missing = conn.execute(
            "SELECT count(*) FROM customers AS c WHERE c.created_by = %s AND NOT EXISTS (SELECT"
            " FROM customer_versions AS v WHERE v.customer_id = c.id AND v.source = 'legacy')",
            (ACTOR,),
        ).fetchone()
    assert missing is not None
    assert missing[0] > 0  # the third batch is in, its history is not
    monkeypatch.setattr(customers_module, "_write_history", write_history)
    migrate(legacy_db.url)
    migrate(second_legacy_url)  # never interrupted
    resumed = _legacy_history(legacy_db.url)
    assert resumed
    assert resumed == _legacy_history(second_legacy_url)


def test_batches_are_sized_by_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pacing.time, "sleep", lambda s: None)
    pacer = pacing.Pacer("customers", 50, 200, target_s=0.15, limit_s=0.5)
    pacer.succeeded(50, 0.05)  # 1 ms a row: 150 fit, but grow by half at most
    assert pacer.size == 76
    pacer.succeeded(76, 0.76)  # 10 ms a row: 15
    assert pacer.size == 15
    pacer.failed("over budget")
    assert pacer.size == 7
    pacer.failed("LockNotAvailable")
    assert (pacer.size, pacer.limit_s) == (5, 0.5)
    pacer.failed("over budget")  # the smallest batch does not fit: more time, not fewer rows
    assert (pacer.size, pacer.limit_s) == (5, 1.0)
    pacer.succeeded(5, 0.6)
    assert (pacer.limit_s, pacer.retries, pacer.longest_s) == (0.5, 3, 0.76)
    monkeypatch.setattr(pacing, "RETRY_ATTEMPTS", 2)
    pacer.failed("LockNotAvailable")
    with pytest.raises(ddl.MigrationError, match="after 2 tries"):
        pacer.failed("LockNotAvailable")
