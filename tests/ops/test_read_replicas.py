"""Read replicas on a real streaming replica: a client reads its own writes at once, reads that
may be stale go to the replica, and a paused or dead replica gets no reads."""

import hashlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from clientele import schema
from clientele.replicas import LSN_COOKIE, LSN_HEADER
from tests.ops.streaming import streaming_pair
from tests.support.live import free_port, uvicorn_server

APPLY_DELAY_MS = 4000  # the replica applies each commit this late: reads that reach it are stale
CUSTOMERS = "/api/v1/customers"


@dataclass(frozen=True)
class Site:
    base_url: str
    headers: dict[str, str]
    replica_url: str


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    token = "clt_" + secrets.token_urlsafe(32)
    with streaming_pair(apply_delay_ms=APPLY_DELAY_MS) as pair:
        schema.upgrade(pair.primary_url)
        with psycopg.connect(pair.primary_url) as conn:
            conn.execute(
                "INSERT INTO api_tokens (name, role, token_hash) VALUES ('ops', 'admin', %s)",
                (hashlib.sha256(token.encode()).digest(),),
            )
        _wait_for_replay(pair.replica_url)
        dead = f"postgresql://postgres@127.0.0.1:{free_port()}/clientele"  # nothing listens
        env = {
            "CLIENTELE_READ_DATABASE_URLS": f"{pair.replica_url},{dead}",
            "CLIENTELE_REPLICA_MAX_LAG_S": "60",
        }
        with uvicorn_server(pair.primary_url, env=env) as base_url:
            yield Site(base_url, {"Authorization": f"Bearer {token}"}, pair.replica_url)


def _wait_for_replay(replica_url: str) -> None:
    """Until the replica has the schema and the token (it applies commits late)."""
    deadline = time.monotonic() + 60
    with psycopg.connect(replica_url, autocommit=True) as conn:
        while conn.execute("SELECT to_regclass('api_tokens') IS NULL").fetchone() == (True,) or (
            conn.execute("SELECT count(*) FROM api_tokens").fetchone() == (0,)
        ):
            assert time.monotonic() < deadline, "the replica did not catch up in 60 s"
            time.sleep(0.5)


def reads(site: Site) -> dict[str, float]:
    text = httpx.get(f"{site.base_url}/metrics").text
    return {
        sample.labels["target"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "clientele_db_reads_total"
    }


def create(client: httpx.Client, site: Site, name: str, phone: str) -> httpx.Response:
    answer = client.post(
        CUSTOMERS,
        json={"customer_type": "clinic", "name": name, "primary_phone": phone, "city": name},
        headers=site.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer


def listed(client: httpx.Client, site: Site, city: str, **headers: str) -> list[str]:
    answer = client.get(CUSTOMERS, params={"city": city}, headers={**site.headers, **headers})
    assert answer.status_code == 200, answer.text
    return [c["name"] for c in answer.json()["items"]]


def test_a_client_reads_its_own_write_at_once_while_others_may_read_the_replica(site: Site):
    with (
        httpx.Client(base_url=site.base_url) as writer,
        httpx.Client(base_url=site.base_url) as other,
    ):
        before = reads(site)
        written = create(writer, site, "Wardha", "0712 255 2001")
        assert written.headers[LSN_HEADER]
        assert writer.cookies[LSN_COOKIE] == written.headers[LSN_HEADER]

        # The writer's cookie sends its reads to the primary until the replica replays it.
        assert listed(writer, site, "Wardha") == ["Wardha"]
        # A client without it reads the replica, which applies commits 4 s late: not there yet.
        assert listed(other, site, "Wardha") == []
        after = reads(site)
        assert after["primary"] - before.get("primary", 0) == 1
        assert after["replica-0"] - before.get("replica-0", 0) == 1
        assert "replica-1" not in after  # the dead one never took a read

        # A client that keeps the position in a header instead of a cookie is served alike.
        position = written.headers[LSN_HEADER]
        with httpx.Client(base_url=site.base_url) as api_client:
            assert listed(api_client, site, "Wardha", **{LSN_HEADER: position}) == ["Wardha"]

        # Once replayed, everyone reads it from the replica.
        deadline = time.monotonic() + 60
        while listed(other, site, "Wardha") != ["Wardha"]:
            assert time.monotonic() < deadline, "the replica never replayed the write"
            time.sleep(0.5)
        before = reads(site)
        assert listed(writer, site, "Wardha") == ["Wardha"]
        assert reads(site)["replica-0"] - before["replica-0"] == 1


def test_a_paused_replica_is_skipped_and_readyz_and_metrics_say_why(site: Site):
    with psycopg.connect(site.replica_url, autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            time.sleep(1.5)  # the server asks each replica at most once a second
            ready = httpx.get(f"{site.base_url}/readyz").json()
            states = {r["name"]: r for r in ready["replicas"]}
            assert states["replica-0"]["usable"] is False
            assert states["replica-0"]["reason"] == "replay paused"
            assert states["replica-1"]["usable"] is False
            assert states["replica-1"]["reason"].startswith("unreachable")

            with (
                httpx.Client(base_url=site.base_url) as writer,
                httpx.Client(base_url=site.base_url) as other,
            ):
                create(writer, site, "Hinganghat", "0712 255 2002")
                before = reads(site)
                # Even a client with no recent write reads the primary: it sees the new row.
                assert listed(other, site, "Hinganghat") == ["Hinganghat"]
                assert reads(site)["primary"] - before["primary"] == 1

            metrics = httpx.get(f"{site.base_url}/metrics").text
            assert 'clientele_db_replica_usable{replica="replica-0"} 0.0' in metrics
            assert 'clientele_db_replica_lag_seconds{replica="replica-0"}' in metrics
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
