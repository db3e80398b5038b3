"""A real server process on its own database, for fuzzing over HTTP."""

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from tests.conftest import _create_database, _drop_database


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    admin_headers: dict[str, str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
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


@pytest.fixture(scope="module")
def live_server(server_url: str, template_database: str) -> Iterator[LiveServer]:
    """`uvicorn` serving Clientele on a fresh database, with an admin token."""
    name = f"clientele_fuzz_{uuid.uuid4().hex[:12]}"
    url = _create_database(server_url, name, template=template_database)
    token = "clt_" + secrets.token_urlsafe(32)
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO api_tokens (name, role, token_hash) VALUES ('fuzzer', 'admin', %s)",
            (hashlib.sha256(token.encode()).digest(),),
        )
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "clientele.app:app_from_env", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env={**os.environ, "CLIENTELE_DATABASE_URL": url})  # noqa: S603
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base_url, process)
        yield LiveServer(base_url, {"Authorization": f"Bearer {token}"})
    finally:
        process.terminate()
        process.wait(timeout=10)
        _drop_database(server_url, name)
