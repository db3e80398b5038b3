"""A real server process on its own database, for fuzzing over HTTP."""

from collections.abc import Iterator

import pytest

from tests.live import LiveServer, admin_server


@pytest.fixture(scope="module")
def live_server(server_url: str, template_database: str) -> Iterator[LiveServer]:
    """`uvicorn` serving Clientele on a fresh database, with an admin token."""
    with admin_server(server_url, template_database, "clientele_fuzz") as server:
        yield server
