"""/metrics as Prometheus scrapes it: a real server with two worker processes, whose samples
add up across workers (prometheus multiprocess mode, as `clientele serve --workers 2` sets it)."""

import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele import metrics
from clientele.schema import head_revision
from tests.support.live import LiveServer, admin_server

CUSTOMER = "/api/v1/customers/{customer_id}"
MISSING = "/api/v1/customers/00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def live(
    server_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {
        metrics.MULTIPROCESS_ENV: str(tmp_path_factory.mktemp("metrics")),
        "CLIENTELE_STATEMENT_TIMEOUT_MS": "1000",
        "CLIENTELE_POOL_SIZE": "3",
    }
    with admin_server(server_url, template_database, "clientele_metrics", workers=2, env=env) as s:
        yield s


def scrape(live: LiveServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = httpx.get(f"{live.base_url}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def labels(**values: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def test_requests_are_counted_by_route_template_and_status_across_workers(
    live: LiveServer,
) -> None:
    before = scrape(live)
    key = labels(method="GET", route=CUSTOMER, status="404")
    for _ in range(12):
        answer = httpx.get(f"{live.base_url}{MISSING}", headers=live.admin_headers)
        assert answer.status_code == 404
    after = scrape(live)
    counted = after[("clientele_http_requests_total", key)]
    assert counted - before.get(("clientele_http_requests_total", key), 0) == 12
    assert after[("clientele_http_request_duration_seconds_count", key)] == counted
    bucket = (*key, ("le", "+Inf"))
    assert after[("clientele_http_request_duration_seconds_bucket", tuple(sorted(bucket)))] == (
        counted
    )
    # No URL (the id) ever becomes a label.
    assert not any("00000000-0000" in str(name_labels) for name_labels in after)


def test_pools_of_both_workers_are_reported_and_every_connection_is_returned(
    live: LiveServer,
) -> None:
    httpx.get(f"{live.base_url}/api/v1/customers", headers=live.admin_headers)
    samples = scrape(live)
    assert samples[("clientele_db_pool_size", ())] == 2 * 3
    assert samples[("clientele_db_pool_connections_in_use", ())] == 0
    assert samples[("clientele_db_pool_waiting", ())] == 0


def test_a_search_is_timed(live: LiveServer) -> None:
    before = scrape(live).get(("clientele_search_duration_seconds_count", ()), 0)
    answer = httpx.get(
        f"{live.base_url}/api/v1/customers/search",
        params={"q": "sunrise"},
        headers=live.admin_headers,
    )
    assert answer.status_code == 200
    assert scrape(live)[("clientele_search_duration_seconds_count", ())] == before + 1


def test_a_statement_cancelled_by_the_timeout_is_counted(live: LiveServer) -> None:
    created = httpx.post(
        f"{live.base_url}/api/v1/customers",
        json={"customer_type": "clinic", "name": "Locked Clinic", "primary_phone": "0712 255 4321"},
        headers=live.admin_headers,
    )
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    before = scrape(live).get(("clientele_db_statement_timeouts_total", ()), 0)
    with psycopg.connect(live.database_url) as holder:
        # Another session holds the row: the PATCH waits for it past the 1 s statement timeout.
        holder.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE", (customer_id,))
        answer = httpx.patch(
            f"{live.base_url}/api/v1/customers/{customer_id}",
            json={"city": "Nagpur"},
            headers={**live.admin_headers, "If-Match": created.headers["etag"]},
            timeout=30,
        )
        holder.rollback()
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert scrape(live)[("clientele_db_statement_timeouts_total", ())] == before + 1


def test_build_info_and_legacy_migration_progress_are_exposed(live: LiveServer) -> None:
    samples = scrape(live)
    info = [key for key in samples if key[0] == "clientele_build_info"]
    assert len(info) == 1
    assert ("schema_head", head_revision()) in info[0][1]
    assert not any(key[0] == "clientele_legacy_migration_stage_done" for key in samples)

    with psycopg.connect(live.database_url) as conn:
        conn.execute(
            "CREATE TABLE legacy_migration_state (key TEXT PRIMARY KEY, value JSONB NOT NULL,"
            " updated_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO legacy_migration_state VALUES ('schema', '\"done\"'),"
            " ('customers', '\"done\"')"
        )
    try:
        stages = {
            dict(key[1])["stage"]: value
            for key, value in scrape(live).items()
            if key[0] == "clientele_legacy_migration_stage_done"
        }
        assert stages == {
            "schema": 1,
            "customers": 1,
            "tickets": 0,
            "migrate": 0,
            "finalize_started": 0,
        }
    finally:
        with psycopg.connect(live.database_url) as conn:
            conn.execute("DROP TABLE legacy_migration_state")


def test_scrapes_while_requests_run_do_not_fail(live: LiveServer) -> None:
    errors: list[BaseException] = []

    def load() -> None:
        try:
            for _ in range(20):
                httpx.get(f"{live.base_url}/api/v1/customers", headers=live.admin_headers)
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=load)
    thread.start()
    for _ in range(5):
        scrape(live)
    thread.join()
    assert errors == []


def test_serve_with_several_workers_gives_them_one_metrics_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(metrics.MULTIPROCESS_ENV, raising=False)
    metrics.prepare_worker_processes(1)
    assert metrics.MULTIPROCESS_ENV not in os.environ
    metrics.prepare_worker_processes(4)
    directory = Path(os.environ.pop(metrics.MULTIPROCESS_ENV))
    assert directory.is_dir()
    assert list(directory.iterdir()) == []
    directory.rmdir()


async def test_a_registered_database_gauge_is_read_at_each_scrape(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "_DATABASE_GAUGES", {})

    async def backlog(conn: AsyncConnection) -> float:
        return float((await conn.execute(text("SELECT 41 + 1"))).scalar_one())

    async def broken(conn: AsyncConnection) -> float:
        raise RuntimeError("the events table is not there")

    metrics.register_database_gauge("clientele_events_backlog", "Events not delivered.", backlog)
    metrics.register_database_gauge("clientele_broken", "Fails.", broken)
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(answer.text)}
    assert families["clientele_events_backlog"].samples[0].value == 42
    assert "clientele_broken" not in families
    assert "clientele_http_requests" in families


def test_every_series_the_grafana_dashboard_plots_is_one_clientele_exposes() -> None:
    root = Path(__file__).resolve().parents[2]
    dashboard = json.loads((root / "docs/grafana/clientele-dashboard.json").read_text())
    expressions = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )
    plotted = {
        re.sub(r"_(bucket|count|sum)$", "", name)
        for name in re.findall(r"clientele_[a-z_]+", expressions)
    }
    source = " ".join(p.read_text() for p in (root / "src/clientele").rglob("*.py"))
    assert plotted
    assert [name for name in sorted(plotted) if f'"{name}"' not in source] == []
