"""A single-statement read runs in autocommit: no BEGIN and ROLLBACK round trips.

These use the application's own `EngineUnitOfWork` on a pool of one connection (the API tests
run every unit of work as a savepoint of the test's transaction instead), so they also show
that the pool hands the connection back in transaction mode for the next writer.
"""

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest
from psycopg import pq
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clientele.config import Settings
from clientele.customers import service
from clientele.db import create_engine
from clientele.errors import NotFound
from clientele.uow import EngineUnitOfWork


@pytest.fixture
async def one_connection(database_url: str, settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, replace(settings, pool_size=1))
    yield engine
    await engine.dispose()


async def _status(connection: AsyncConnection) -> pq.TransactionStatus:
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    return pq.TransactionStatus(driver.info.transaction_status)


async def test_a_read_only_unit_of_work_opens_no_transaction(one_connection):
    uow = EngineUnitOfWork(one_connection)
    async with uow.read_only():
        assert (await uow.connection.execute(text("SELECT 1"))).scalar_one() == 1
        # In a transaction block this would be INTRANS: nothing sent BEGIN.
        assert await _status(uow.connection) == pq.TransactionStatus.IDLE
        with pytest.raises(RuntimeError):
            await uow.commit()


async def test_the_pooled_connection_is_transactional_again_after_a_read(one_connection):
    async with EngineUnitOfWork(one_connection).read_only():
        pass
    uow = EngineUnitOfWork(one_connection)
    async with uow:
        await uow.connection.execute(text("SELECT 1"))
        assert await _status(uow.connection) == pq.TransactionStatus.INTRANS
        await uow.connection.execute(text("CREATE TEMP TABLE scratch (n int)"))
    # Left without commit: rolled back, so the table never existed.
    async with EngineUnitOfWork(one_connection).read_only() as reader:
        found = await reader.connection.execute(text("SELECT to_regclass('pg_temp.scratch')"))
        assert found.scalar_one() is None


async def test_a_lookup_by_id_runs_its_one_statement_outside_a_transaction(one_connection):
    sent: list[str] = []
    statuses: list[pq.TransactionStatus] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    def after(conn: Any, cursor: Any, *args: Any) -> None:
        statuses.append(
            pq.TransactionStatus(conn.connection.driver_connection.info.transaction_status)
        )

    target = one_connection.sync_engine
    event.listen(target, "before_cursor_execute", record)
    event.listen(target, "after_cursor_execute", after)
    try:
        with pytest.raises(NotFound):  # the same statement as for a stored customer
            await service.get_customer(EngineUnitOfWork(one_connection), customer_id=uuid4())
    finally:
        event.remove(target, "before_cursor_execute", record)
        event.remove(target, "after_cursor_execute", after)
    assert len(sent) == 1
    assert sent[0].lstrip().upper().startswith("SELECT")
    assert statuses == [pq.TransactionStatus.IDLE]
