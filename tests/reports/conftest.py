"""Report tests reuse the ticket builders (customers, tickets at fixed times)."""

from tests.tickets.conftest import build  # noqa: F401 - a fixture, imported to be found
