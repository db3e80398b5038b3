"""A real Clientele server process on its own database, for tests that need one (fuzzing
over HTTP, the browser tests)."""

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from tests.support.databases import new_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become ready in 30 s")


@contextmanager
def database_copy(server_url: str, template_database: str, prefix: str) -> Iterator[str]:
    """A new database made from the migrated template, dropped afterwards; yields its URL."""
    with new_database(server_url, prefix, template=template_database) as url:
        yield url


@contextmanager
def uvicorn_server(
    database_url: str, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[str]:
    """`uvicorn` serving Clientele on `database_url` on a free port; yields the base URL.
    `env` adds environment variables (settings) for the server processes."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "clientele.app:app_from_env", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--workers", str(workers)]
    env = {**os.environ, **(env or {}), "CLIENTELE_DATABASE_URL": database_url}
    process = subprocess.Popen(command, env=env)  # noqa: S603
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    admin_headers: dict[str, str]
    database_url: str
    admin_token: str


@contextmanager
def admin_server(
    server_url: str, template_database: str, prefix: str, **server: Any
) -> Iterator[LiveServer]:
    """`uvicorn` serving Clientele on a fresh database, with an admin token; `server` goes to
    `uvicorn_server` (workers, env)."""
    token = "clt_" + secrets.token_urlsafe(32)
    with database_copy(server_url, template_database, prefix) as url:
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO api_tokens (name, role, token_hash) VALUES ('tester', 'admin', %s)",
                (hashlib.sha256(token.encode()).digest(),),
            )
        with uvicorn_server(url, **server) as base_url:
            yield LiveServer(base_url, {"Authorization": f"Bearer {token}"}, url, token)
