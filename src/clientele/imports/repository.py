"""Bulk customer reads and writes for the import: a fixed number of statements per chunk of
rows, never one round trip per row."""

from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.customers.domain import (
    Customer,
    CustomerStatus,
)
from clientele.customers.repository import row_to_customer, stored_values
from clientele.imports.csv_format import IMPORT_COLUMNS
from clientele.tables import customers

LOOKUP_CHUNK = 5_000
WRITE_CHUNK = 2_000
UPDATED_COLUMNS = (*IMPORT_COLUMNS, "updated_by")


async def by_primary_phone(
    conn: AsyncConnection, phones: Sequence[str], *, lock: bool
) -> dict[str, list[Customer]]:
    """Every customer whose primary phone is one of `phones`, active ones first per phone.

    With `lock`, the active ones are row-locked until the transaction ends, so nobody changes
    them between this read and the import's write.
    """
    found: dict[str, list[Customer]] = {}
    for start in range(0, len(phones), LOOKUP_CHUNK):
        chunk = list(phones[start : start + LOOKUP_CHUNK])
        statement = (
            select(customers)
            .where(customers.c.primary_phone == func.any(bindparam("phones", chunk)))
            .order_by((customers.c.status == CustomerStatus.ACTIVE.value).desc(), customers.c.id)
        )
        if lock:
            statement = statement.with_for_update(of=customers)
        for row in (await conn.execute(statement)).mappings():
            found.setdefault(row["primary_phone"], []).append(row_to_customer(row))
    return found


async def insert_many(conn: AsyncConnection, new: Sequence[Customer]) -> None:
    """Insert the customers in multi-row INSERTs. Raises IntegrityError (a phone was taken
    meanwhile)."""
    for start in range(0, len(new), WRITE_CHUNK):
        rows = [stored_values(c) for c in new[start : start + WRITE_CHUNK]]
        await conn.execute(insert(customers), rows)


async def update_many(conn: AsyncConnection, changed: Sequence[Customer]) -> None:
    """Store the import's columns of each customer and bump its version (executemany)."""
    statement = (
        customers.update()
        .where(customers.c.id == bindparam("b_id"))
        .values(
            {
                **{name: bindparam(f"b_{name}") for name in UPDATED_COLUMNS},
                "version": customers.c.version + 1,
                "updated_at": func.now(),
            }
        )
    )
    for start in range(0, len(changed), WRITE_CHUNK):
        params = []
        for customer in changed[start : start + WRITE_CHUNK]:
            values = {f"b_{name}": getattr(customer, name) for name in UPDATED_COLUMNS}
            values["b_tags"] = list(customer.tags)
            values["b_id"] = customer.id
            params.append(values)
        await conn.execute(statement, params)
