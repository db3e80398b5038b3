"""A real server process on its own database, for fuzzing over HTTP."""

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from tests.live import database_copy, uvicorn_server


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    admin_headers: dict[str, str]


@pytest.fixture(scope="module")
def live_server(server_url: str, template_database: str) -> Iterator[LiveServer]:
    """`uvicorn` serving Clientele on a fresh database, with an admin token."""
    token = "clt_" + secrets.token_urlsafe(32)
    with database_copy(server_url, template_database, "clientele_fuzz") as url:
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO api_tokens (name, role, token_hash) VALUES ('fuzzer', 'admin', %s)",
                (hashlib.sha256(token.encode()).digest(),),
            )
        # Generated `wait` values would long-poll the feed for up to a minute each.
        with uvicorn_server(url, env={"CLIENTELE_EVENTS_MAX_WAIT_S": "1"}) as base_url:
            yield LiveServer(base_url, {"Authorization": f"Bearer {token}"})
