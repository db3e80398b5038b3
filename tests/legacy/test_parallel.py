"""Two backfill connections (the customers and the tickets split in halves) write exactly what
one connection writes, and a failure of either stops both and resumes on the next run."""

import threading

import psycopg
import pytest

from clientele.legacy import customers as customers_module
from clientele.legacy import ddl
from clientele.legacy import linking as linking_module
from clientele.legacy.migrate import migrate
from clientele.legacy.state import get_state
from tests.legacy.conftest import LegacyDatabase
from tests.legacy.helpers import linked
from tests.legacy.test_pacing import _legacy_history

WRITTEN = {
    "customers": "SELECT id, name, customer_type, primary_phone, whatsapp_number, status, city,"
    " state, version, metadata FROM customers",
    "legacy ids": "SELECT legacy_id, customer_id, original_value FROM customer_legacy_ids",
    "reviews": "SELECT kind, dedupe_key, customer_ids FROM legacy_review_items",
    "contacts": "SELECT id, customer_id, name, phone, email FROM customer_contacts",
    "equipment": "SELECT id, customer_id, contact_id FROM equipment",
}


def _written(url: str) -> dict[str, object]:
    """What migrate wrote, without the times of the run itself."""
    with psycopg.connect(url) as conn:
        out: dict[str, object] = {
            name: sorted(tuple(map(str, r)) for r in conn.execute(sql))
            for name, sql in WRITTEN.items()
        }
    out["tickets"] = linked(url)
    out["history"] = _legacy_history(url)
    return out


def _in_two_halves(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Split every stage however small; the names of the threads that wrote customer batches."""
    monkeypatch.setattr(customers_module, "PARALLEL_MIN_CUSTOMERS", 2)
    monkeypatch.setattr(linking_module, "PARALLEL_MIN_TICKETS", 2)
    writers: set[str] = set()
    write_batch = customers_module._write_customer_batch

    def recorded(*args: object) -> object:
        writers.add(threading.current_thread().name)
        return write_batch(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(customers_module, "_write_customer_batch", recorded)
    return writers


def test_two_connections_write_what_one_writes(
    legacy_db: LegacyDatabase, second_legacy_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(second_legacy_url)  # one connection (this data is under the thresholds)
    writers = _in_two_halves(monkeypatch)
    migrate(legacy_db.url)
    assert len(writers) == 2
    with psycopg.connect(legacy_db.url, autocommit=True) as conn:
        assert get_state(conn, "tickets_block_upper") is not None
    with psycopg.connect(second_legacy_url, autocommit=True) as conn:
        assert get_state(conn, "tickets_block_upper") is None
    assert _written(legacy_db.url) == _written(second_legacy_url)


def test_a_failing_half_stops_the_other_and_the_next_run_completes_both(
    legacy_db: LegacyDatabase, second_legacy_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(second_legacy_url)
    _in_two_halves(monkeypatch)
    write_history = customers_module._write_history
    calls: list[str] = []

    def second_half_killed(conn: psycopg.Connection[tuple[object, ...]], batch: object) -> int:
        calls.append(threading.current_thread().name)
        if (
            threading.current_thread() is not threading.main_thread()
            and calls.count(calls[-1]) == 2
        ):
            raise ddl.MigrationError("killed (testing)")
        return write_history(conn, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(customers_module, "_write_history", second_half_killed)
    with pytest.raises(ddl.MigrationError, match="killed"):
        migrate(legacy_db.url)
    with psycopg.connect(legacy_db.url, autocommit=True) as conn:
        assert get_state(conn, "customers") != "done"
    monkeypatch.setattr(customers_module, "_write_history", write_history)
    migrate(legacy_db.url)
    assert _written(legacy_db.url) == _written(second_legacy_url)
