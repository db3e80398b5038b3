"""Counting the SQL statements a request runs, to prove read paths have no N+1.

`counting_queries(connection)` records every statement run on the test connection (the one
the app's units of work share in tests) inside the block, savepoint bookkeeping aside.
`assert_fixed_statements` runs the same request at two page sizes and checks both ran the
same, small number of statements.
"""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

_BOOKKEEPING = ("SAVEPOINT", "RELEASE", "ROLLBACK")


@contextmanager
def counting_queries(connection: AsyncConnection) -> Iterator[list[str]]:
    """Record every statement run on `connection` inside the block (savepoints aside)."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(_BOOKKEEPING):
            statements.append(statement)

    target = connection.sync_connection
    assert target is not None
    event.listen(target, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", record)


async def assert_fixed_statements(
    connection: AsyncConnection,
    request: Callable[[int], Awaitable[httpx.Response]],
    *,
    sizes: tuple[int, int] = (2, 50),
    at_most: int,
) -> list[str]:
    """`request(page_size)` runs the same number of statements (<= at_most) at both sizes."""
    await request(sizes[0])  # warms the token cache: auth is not the endpoint's own cost
    runs: list[list[str]] = []
    for size in sizes:
        with counting_queries(connection) as statements:
            response = await request(size)
        assert response.status_code == 200, response.text
        runs.append(statements)
    counts = [len(run) for run in runs]
    assert counts[0] == counts[1] <= at_most, (counts, runs[-1])
    return runs[-1]
