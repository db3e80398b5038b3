"""`clientele bench` at a small size. Every figure in docs/performance.md comes out of it, so a
measurement that breaks (a floor that errors, writes that answer 409, a search quality that
collapses) must fail here rather than on the day of a million-customer run. Timings are
printed by the bench, never asserted."""

import uuid
from collections.abc import Iterator

import pytest

from clientele.bench.runner import drop_database, run_bench

CUSTOMERS = 1500
MEASURED = ["lookup_id", "create_customer", "patch_customer", "report_top_customers_months"]


@pytest.fixture
def prefix(server_url: str) -> Iterator[str]:
    name = f"t{uuid.uuid4().hex[:10]}"
    yield name
    drop_database(server_url, CUSTOMERS, name)


def _run(server_url: str, prefix: str, *, reuse: bool, only: list[str]) -> dict:
    return run_bench(
        server_url,
        customers=CUSTOMERS,
        tickets_per_customer=2,
        seconds=0.3,
        workers=1,
        reuse=reuse,
        keep=True,
        say=lambda _line: None,
        only=only,
        ratio_rounds=1,
        prefix=prefix,
    )


def _failures(results: dict) -> dict[str, object]:
    """Every non-2xx answer and every floor that could not replay its statements."""
    found: dict[str, object] = {}
    for name, entry in results.items():
        for key, where in (("errors", entry), ("errors", entry.get("c10", {}))):
            if where.get(key):
                found[name] = where[key]
        if "floor_error" in entry:
            found[f"{name} floor"] = entry["floor_error"]
    return found


def test_each_measurement_answers_without_errors_and_has_its_sql_floor(
    server_url: str, prefix: str
) -> None:
    document = _run(server_url, prefix, reuse=False, only=[*MEASURED, "search_quality"])

    results = document["results"]
    assert sorted(results) == sorted(MEASURED)
    assert _failures(results) == {}
    for name, entry in results.items():
        assert entry["p50_ms"] <= entry["p99_ms"], name
        assert entry["c10"]["rps"] > 0, name
        assert entry["floor_p50_ms"] <= entry["floor_p99_ms"], name
    quality = document["search_quality"]
    assert quality["queries"] > 100
    assert quality["top5_by_name"] >= 0.95


def test_a_second_run_on_the_kept_database_creates_customers_without_conflicts(
    server_url: str, prefix: str
) -> None:
    """Creates of an earlier run stay in a reused database: the next run's new customers must
    not take their phones (one active customer per phone answers 409)."""
    first = _run(server_url, prefix, reuse=False, only=["create_customer"])
    second = _run(server_url, prefix, reuse=True, only=["create_customer"])

    assert _failures(first["results"]) == {}
    assert _failures(second["results"]) == {}
