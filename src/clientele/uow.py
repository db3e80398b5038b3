"""The unit of work: one transaction per business operation, and the only place that commits."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from clientele import metrics
from clientele.auth import repository as auth_repository


class UnitOfWork:
    """`async with uow:` opens a transaction; leaving without `commit()` rolls it back.

    `async with uow.read_only():` is for work that runs a single read statement: the pooled
    connection runs it in autocommit, without the BEGIN and ROLLBACK round trips that a
    transaction adds to it. One statement sees one snapshot either way; several statements that
    must agree with each other need the transaction of `async with uow:`.
    """

    def __init__(self) -> None:
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None
        self._read_only = False

    @property
    def connection(self) -> AsyncConnection:
        """The connection of the open transaction. Raises RuntimeError outside `async with`."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    async def set_actor(self, actor: str) -> None:
        """Name who is writing, for the history trigger (transaction-local)."""
        await auth_repository.set_actor(self.connection, actor)

    def read_only(self) -> Self:
        """This unit of work, to enter for one read statement (no transaction of its own where
        that saves round trips; see the class). Nothing can be committed in it."""
        self._read_only = True
        return self

    async def commit(self) -> None:
        """Make the work durable; after this, leaving the block changes nothing."""
        if self._transaction is None:
            raise RuntimeError("the unit of work is not open")
        await self._transaction.commit()

    async def _open(self) -> AsyncConnection:
        raise NotImplementedError

    async def _close(self) -> None:
        """Release the connection, if this unit of work owns it."""

    async def _begin(self, connection: AsyncConnection) -> AsyncTransaction | None:
        return await connection.begin()

    async def __aenter__(self) -> Self:
        try:
            self._connection = await self._open()
            try:
                self._transaction = await self._begin(self._connection)  # None: autocommit
            except BaseException:
                await self._close()
                raise
        except BaseException:
            self._read_only = False  # a later `async with uow:` gets its transaction
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            self._transaction = None
            self._read_only = False
            await self._close()
            self._connection = None


class EngineUnitOfWork(UnitOfWork):
    """Takes a pooled connection for each unit of work (the application's)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = engine

    async def _open(self) -> AsyncConnection:
        with metrics.waiting_for_connection():
            connection = await self._engine.connect()
        if self._read_only:
            try:
                # No round trip: psycopg switches modes locally; the pool switches back when
                # the connection is returned.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            except BaseException:
                await connection.close()
                raise
        return connection

    async def _begin(self, connection: AsyncConnection) -> AsyncTransaction | None:
        if self._read_only:
            return None
        return await connection.begin()

    async def _close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


class SavepointUnitOfWork(UnitOfWork):
    """Runs inside a caller's open transaction as a savepoint (tests roll the outer one back)."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__()
        self._outer = connection

    async def _open(self) -> AsyncConnection:
        return self._outer

    async def _begin(self, connection: AsyncConnection) -> AsyncTransaction:
        # Read-only or not: a savepoint, so that a failing read cannot spoil the outer
        # transaction.
        return await connection.begin_nested()


class JoinedUnitOfWork(UnitOfWork):
    """Runs the services' units of work inside a transaction already open (see `reading`):
    entering it begins nothing and leaving it ends nothing; it cannot commit."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__()
        self._outer = connection

    async def _open(self) -> AsyncConnection:
        return self._outer

    async def _begin(self, connection: AsyncConnection) -> None:
        return None


@asynccontextmanager
async def reading(uow: UnitOfWork) -> AsyncIterator[UnitOfWork]:
    """One transaction for several reads (a web page's): yields a unit of work to hand the
    services, whose own `async with` joins this transaction rather than taking a connection
    and a transaction each. A write attempted through it is never committed (`commit()`
    raises) and is rolled back with the transaction."""
    async with uow:
        yield JoinedUnitOfWork(uow.connection)


UnitOfWorkFactory = Callable[[], UnitOfWork]
