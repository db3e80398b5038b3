"""A real server process on its own database, for fuzzing over HTTP."""

from collections.abc import Iterator

import pytest

from tests.support.live import LiveServer, admin_server


@pytest.fixture(scope="module")
def live_server(server_url: str, template_database: str) -> Iterator[LiveServer]:
    """`uvicorn` serving Clientele on a fresh database, with an admin token."""
    # Generated `wait` values would long-poll the feed for up to a minute each.
    with admin_server(
        server_url, template_database, "clientele_fuzz", env={"CLIENTELE_EVENTS_MAX_WAIT_S": "1"}
    ) as server:
        yield server
